package io.splitemu.actors.runtime;

import io.splitemu.model.wire.ClusterMessage;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything the rounds after {@code round} depend on, taken at that round's end, when every actor
 * is quiescent (docs/runtime.md, "Checkpoints and resume"); the recorder writes it to {@code
 * checkpoints/round-NNNNNN.ckpt}.
 *
 * @param version the file format ({@link Checkpoints#VERSION})
 * @param fingerprint the SHA-256 of the resolved scenario the run was started with, then the
 *     digests of the trace and profile files it read ({@link Checkpoints#recorded}; the SHA-256
 *     alone in a checkpoint of an earlier build)
 * @param nowNs the emulated instant at the round's end
 * @param deviceParams the device-side model the next round starts from (null in timing and for a
 *     split scheme, whose server holds the whole model)
 * @param alive the devices still running
 * @param cut the cut in force (CPSL; -1 otherwise)
 * @param cpsl CPSL's controller (null for the other schemes)
 * @param labels a split scheme's last decision per device (a change is a {@code replan} event)
 * @param reported a split scheme's devices' last reports, from which the next round's rates come
 * @param faultsRecorded the fault and recovery rows already recorded (fault index / subject / row
 *     kind), sorted
 * @param faultStartNs the instant each fault that starts with a round started at (by fault index),
 *     and for a window {@code at = T, until-round = R} found empty, round R's start
 * @param faultsEnded the faults whose end has been applied (by fault index), sorted
 * @param planInputs the last rounds' rates handed to a split scheme's policy, in order, as many as
 *     it remembers ({@link SplitPolicy#roundsRemembered}): a restore replays them, so a policy that
 *     learns from past rounds (sfl-compute-robust) knows what it knew
 * @param roundStartNs the starts so far of the rounds some fault names at a round's start (round ->
 *     ns): a split scheme's probes built anew on a restore place their fault windows by them (a
 *     link reads no other round's start); a checkpoint written before b1bef52 holds every round's
 * @param memory per node, the model memory of its peak round and of the last round it was published
 *     in (round -> node -> bytes; split schemes), from which the summary's peaks and the memory
 *     gauges are rebuilt on a resume; a checkpoint written before b1bef52 holds every round's
 * @param devices every device's state, in device order
 * @param server the edge server's state
 * @param pipeline an MP-SL run's state (its devices', hops' and links'; null for the other schemes,
 *     whose fields above it leaves empty but for the round, instant and running devices)
 * @param scheduledRound the round of the newest checkpoint {@code checkpoint.every} scheduled at or
 *     before this one: this one's own round if it is scheduled ({@link #scheduled}), 0 if none is.
 *     A checkpoint SIGTERM asked for off that schedule is one the uninterrupted run never took: a
 *     crash after it restores the scheduled one (docs/runtime.md, "Crashes"), which the results
 *     folder keeps for it
 * @param crashesStruck the server and supervisor crashes that had struck by then (fault indexes,
 *     sorted): a resume from this checkpoint does not strike them again
 */
public record Checkpoint(
    int version,
    String fingerprint,
    String scheme,
    int round,
    long nowNs,
    INDArray deviceParams,
    List<Integer> alive,
    int cut,
    CpslControl.State cpsl,
    Map<Integer, String> labels,
    Map<Integer, Device.RoundStats> reported,
    List<String> faultsRecorded,
    Map<Integer, Long> faultStartNs,
    List<Integer> faultsEnded,
    List<PlanInput> planInputs,
    Map<Integer, Long> roundStartNs,
    Map<Integer, Map<String, Long>> memory,
    List<Device.Snapshot> devices,
    EdgeServer.Snapshot server,
    PipelineControl.State pipeline,
    int scheduledRound,
    List<Integer> crashesStruck)
    implements ClusterMessage {

  /** Copies every mutable part in: the checkpoint is a message, immutable once made. */
  public Checkpoint {
    deviceParams = deviceParams == null ? null : deviceParams.dup();
    alive = List.copyOf(alive);
    labels = sorted(labels);
    reported = sorted(reported);
    faultsRecorded = List.copyOf(faultsRecorded);
    faultStartNs = sorted(faultStartNs);
    faultsEnded = List.copyOf(faultsEnded);
    planInputs = List.copyOf(planInputs);
    roundStartNs = sorted(roundStartNs);
    Map<Integer, Map<String, Long>> m = new TreeMap<>();
    memory.forEach((r, nodes) -> m.put(r, sorted(nodes)));
    memory = Collections.unmodifiableMap(m);
    devices = List.copyOf(devices);
    crashesStruck = List.copyOf(new java.util.TreeSet<>(crashesStruck));
  }

  /**
   * Whether {@code checkpoint.every} scheduled this checkpoint (the uninterrupted run takes it
   * too), rather than SIGTERM off that schedule.
   */
  public boolean scheduled() {
    return scheduledRound == round;
  }

  // An unmodifiable copy in key order (a restore replays some of them in order).
  private static <K, V> Map<K, V> sorted(Map<K, V> m) {
    return Collections.unmodifiableMap(new TreeMap<>(m));
  }

  /**
   * The rates (bit/s per device) a split scheme's policy planned round {@code round} from, NaN for
   * a device out of that round ({@link SplitPolicy#plan}); the arrays are copied in and out, so the
   * record stays immutable.
   */
  public record PlanInput(int round, double[] up, double[] down) {

    /** Copies the rates in. */
    public PlanInput {
      up = up.clone();
      down = down.clone();
    }

    @Override
    public double[] up() {
      return up.clone();
    }

    @Override
    public double[] down() {
      return down.clone();
    }
  }
}
