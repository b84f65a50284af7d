package io.splitemu.actors.runtime;

import io.splitemu.actors.results.ResultsWriter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything the supervisor is built from.
 *
 * @param localSteps E; 0 means one pass over the largest shard of a cluster (the epoch)
 * @param sharedSpectrum whether the devices that transmit at once share one band (Shannon links),
 *     so each gets an equal share; otherwise every device has its own link at share 1
 * @param factors the compute factor of device n in round r
 * @param cut what {@code rounds.csv} shows as the cut
 * @param initialDeviceParams the device-side model of round 1 ({@code null} in timing)
 * @param hangs devices that stop answering, and from which round or emulated instant
 * @param cpsl what the cpsl scheme plans with; {@code null} for the other schemes
 * @param split what a split scheme (a depth per device) plans with; {@code null} for the others
 * @param pipeline what MP-SL runs its epochs with (its rounds; no devices or server setups, its
 *     compute hops serve); {@code null} for the other schemes
 * @param livePlans whether each round's device plans are published to the recorder: only when
 *     something consumes them (live metrics with per-device series)
 * @param faultPlan every fault the supervisor injects and records, and the survival policy
 * @param checkpointing when the run takes checkpoints, and the one it resumes from
 */
public record SupervisorSetup(
    String scheme,
    int rounds,
    int localSteps,
    int batchSize,
    int evalEvery,
    double targetAccuracy,
    boolean stopAtTarget,
    boolean sharedSpectrum,
    ComputeFactors factors,
    String cut,
    INDArray initialDeviceParams,
    List<DeviceSetup> devices,
    ServerSetup server,
    List<Hang> hangs,
    ResultsWriter writer,
    RunListener listener,
    CpslSetup cpsl,
    Split split,
    PipelineControl.Setup pipeline,
    boolean livePlans,
    FaultPlan faultPlan,
    Checkpointing checkpointing) {

  /**
   * What a split scheme plans each round with.
   *
   * @param policy the scheme's planner of every device's cut, costs and shares
   * @param probes copies of the devices' links, probed at a round's start where a device reported
   *     no achieved rate (so probes never delay training traffic)
   * @param fresh a new policy and probes, as a restarted process builds them (a crash restores from
   *     a checkpoint in-process)
   */
  public record Split(
      SplitPolicy policy,
      List<Emulation.LinkPair> probes,
      java.util.function.Supplier<Split> fresh) {}

  /** The per-round compute factor of each device. */
  @FunctionalInterface
  public interface ComputeFactors {
    /** Factor of device {@code device} in round {@code round} (1-based). */
    double of(int device, int round);
  }

  /**
   * A device that stops answering from the start of round {@code round} on, or (with {@code round =
   * -1}) from the emulated instant {@code atNs} on.
   */
  public record Hang(int device, int round, long atNs) {
    /** From the start of a round on. */
    public Hang(int device, int round) {
      this(device, round, -1);
    }

    /** From an emulated instant on. */
    public static Hang at(int device, long atNs) {
      return new Hang(device, -1, atNs);
    }
  }

  /** This setup with {@code livePlans} set. */
  public SupervisorSetup withLivePlans(boolean live) {
    return with(live, faultPlan, checkpointing);
  }

  /**
   * How a run checkpoints (docs/runtime.md, "Checkpoints and resume").
   *
   * @param every a checkpoint after every round whose number it divides (0: none)
   * @param fingerprint the resolved scenario's fingerprint, which each checkpoint records
   * @param resumeFrom the checkpoint the run goes on from (null: from the start)
   * @param stop read at each round boundary: once thrown, a checkpoint and the run's end (null:
   *     none)
   */
  public record Checkpointing(
      int every, String fingerprint, Checkpoint resumeFrom, StopSwitch stop, List<Crash> crashes) {
    /** No checkpoints. */
    public static final Checkpointing NONE = new Checkpointing(0, "", null, null, List.of());

    public Checkpointing {
      crashes = List.copyOf(crashes);
    }
  }

  /**
   * A {@code server-crash} or {@code supervisor-crash} (docs/runtime.md, "Crashes"): the run goes
   * back to its last checkpoint and on from there {@code restartDelayNs} after the crash.
   *
   * @param index the fault's index in the scenario's list
   * @param kind {@code server-crash} or {@code supervisor-crash}
   * @param round the round at whose start it strikes, or -1
   * @param atNs the emulated instant it strikes at, or -1
   * @param restartDelayNs the emulated time before the run goes on (0 for the supervisor)
   */
  public record Crash(int index, String kind, int round, long atNs, long restartDelayNs) {
    /** The kinds that are crashes; each records its own {@code fault} and {@code recovery} rows. */
    public static final java.util.Set<String> KINDS =
        java.util.Set.of("server-crash", "supervisor-crash");

    /** Whether {@code kind} is a crash, whose rows the generic fault rows must skip. */
    public static boolean ownRows(String kind) {
      return KINDS.contains(kind);
    }

    /** The first of {@code crashes} at the start of round {@code round} not yet struck, or null. */
    static Crash atStartOf(
        List<Crash> crashes, java.util.function.Predicate<Crash> struck, int round) {
      for (Crash c : crashes) {
        if (c.round() == round && !struck.test(c)) {
          return c;
        }
      }
      return null;
    }

    /** The earliest of {@code crashes} at an instant before {@code endNs} not struck, or null. */
    static Crash firstBy(
        List<Crash> crashes, java.util.function.Predicate<Crash> struck, long endNs) {
      Crash first = null;
      for (Crash c : crashes) {
        if (c.round() < 0 && c.atNs() < endNs && !struck.test(c)) {
          first = first == null || c.atNs() < first.atNs() ? c : first;
        }
      }
      return first;
    }
  }

  /**
   * The run's {@code barrier.timeout}: the edge server's, MP-SL's pipeline setup's (it has no edge
   * server), or the default 60 s where there is neither.
   */
  java.time.Duration barrierTimeout() {
    return server != null
        ? server.barrierTimeout()
        : pipeline != null
            ? pipeline.barrierTimeout()
            : PipelineControl.Setup.DEFAULT_BARRIER_TIMEOUT;
  }

  /** This setup with {@code checkpointing}. */
  public SupervisorSetup withCheckpointing(Checkpointing c) {
    return with(livePlans, faultPlan, c);
  }

  /** This setup with {@code plan} as its faults and survival policy. */
  public SupervisorSetup withFaults(FaultPlan plan) {
    return with(livePlans, plan, checkpointing);
  }

  // The fields the withers change; the others are this setup's.
  private SupervisorSetup with(boolean live, FaultPlan plan, Checkpointing c) {
    return new SupervisorSetup(
        scheme,
        rounds,
        localSteps,
        batchSize,
        evalEvery,
        targetAccuracy,
        stopAtTarget,
        sharedSpectrum,
        factors,
        cut,
        initialDeviceParams,
        devices,
        server,
        hangs,
        writer,
        listener,
        cpsl,
        split,
        pipeline,
        live,
        plan,
        c);
  }
}
