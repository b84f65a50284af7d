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
 * per-device server copies, the copies, in the order given (device order), so the result does not
 * depend on which upload arrived first.
 */
public final class Aggregator {

  /** What the aggregator accepts. */
  public interface Command extends ClusterMessage {}

  /**
   * Average {@code deviceParams} (and {@code serverParams} when not empty) weighted by the matching
   * sample counts.
   */
  public record Average(
      List<INDArray> deviceParams,
      List<Long> deviceSamples,
      List<INDArray> serverParams,
      List<Long> serverSamples,
      ActorRef<Averaged> replyTo)
      implements Command {}

  /** The averages; {@code server} is null when no server copies were given. */
  public record Averaged(INDArray device, INDArray server) implements ClusterMessage {}

  private Aggregator() {}

  /** An aggregator. */
  public static Behavior<Command> create() {
    return Behaviors.receive(Command.class)
        .onMessage(
            Average.class,
            m -> {
              INDArray device = FedAvg.average(m.deviceParams(), m.deviceSamples());
              INDArray server =
                  m.serverParams().isEmpty()
                      ? null
                      : FedAvg.average(m.serverParams(), m.serverSamples());
              m.replyTo().tell(new Averaged(device, server));
              return Behaviors.same();
            })
        .build();
  }
}
