package io.splitemu.actors.runtime;

import io.splitemu.model.nn.FedAvg;
import io.splitemu.model.wire.ClusterMessage;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FedAvg by sample count (DESIGN.md "Actors"): averages the device-side models of a visit and, for
 * per-device server copies, the copies (their weights and their optimizer state, with the same
 * weights), in the order given (device order), so the result does not depend on which upload
 * arrived first. A refused vector is named by its device.
 */
public final class Aggregator {

  /** What the aggregator accepts. */
  public interface Command extends ClusterMessage {}

  /**
   * Average {@code deviceParams} of devices {@code devices} (and {@code serverParams}, the server
   * copies of devices {@code serverDevices}, when not empty) weighted by the matching sample
   * counts; {@code serverStates}, when not empty, are the copies' optimizer states, averaged with
   * the copies' weights.
   */
  public record Average(
      List<Integer> devices,
      List<INDArray> deviceParams,
      List<Long> deviceSamples,
      List<Integer> serverDevices,
      List<INDArray> serverParams,
      List<INDArray> serverStates,
      List<Long> serverSamples,
      ActorRef<Averaged> replyTo)
      implements Command {

    /** A visit without server copies. */
    public Average(
        List<Integer> devices,
        List<INDArray> deviceParams,
        List<Long> deviceSamples,
        ActorRef<Averaged> replyTo) {
      this(
          devices,
          deviceParams,
          deviceSamples,
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          replyTo);
    }
  }

  /**
   * The averages; {@code server} and {@code serverState} are null when no server copies (or no
   * states) were given.
   */
  public record Averaged(INDArray device, INDArray server, INDArray serverState)
      implements ClusterMessage {

    /** Averages without server copies. */
    public Averaged(INDArray device) {
      this(device, null, null);
    }
  }

  private Aggregator() {}

  public static Behavior<Command> create() {
    return Behaviors.receive(Command.class)
        .onMessage(
            Average.class,
            m -> {
              INDArray device =
                  FedAvg.average(
                      m.deviceParams(), m.deviceSamples(), names(m.devices(), "'s model"));
              INDArray server = null;
              INDArray state = null;
              if (!m.serverParams().isEmpty()) {
                server =
                    FedAvg.average(
                        m.serverParams(),
                        m.serverSamples(),
                        names(m.serverDevices(), "'s server copy"));
                if (!m.serverStates().isEmpty() && m.serverStates().get(0).length() > 0) {
                  state =
                      FedAvg.average(
                          m.serverStates(),
                          m.serverSamples(),
                          names(m.serverDevices(), "'s server copy's optimizer state"));
                }
              }
              m.replyTo().tell(new Averaged(device, server, state));
              return Behaviors.same();
            })
        .build();
  }

  private static List<String> names(List<Integer> devices, String what) {
    return devices.stream().map(d -> "device " + d + what).toList();
  }
}
