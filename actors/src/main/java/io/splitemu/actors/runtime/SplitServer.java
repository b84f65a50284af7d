package io.splitemu.actors.runtime;

import io.splitemu.model.nn.LossStep;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.wire.ClusterMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The edge server of a per-device split run: serves each device's server-side work at the compute
 * rate the plan gave that device (processor sharing by explicit shares), so devices never wait for
 * each other and the outcome does not depend on the order messages arrive in. In {@code full}
 * fidelity it holds one server slice per device (the per-device server copies) and trains the
 * device's copy on each job; the tensor math never changes the emulated times.
 */
final class SplitServer {

  /** What the server accepts. */
  interface Command extends ClusterMessage {}

  /**
   * The server-side forward and backward of one iteration of {@code device}; {@code activations}
   * and {@code labels} are null in timing fidelity.
   */
  record Job(
      int device,
      double flops,
      double flopsPerSecond,
      long arrivalNs,
      INDArray activations,
      INDArray labels,
      ActorRef<SplitDevice.Command> replyTo)
      implements Command {}

  /**
   * Make the copies of round {@code round}: per device the server slice at its cut ({@code cuts})
   * with the weights {@code params}.
   */
  record Install(
      int round,
      Map<Integer, Integer> cuts,
      Map<Integer, INDArray> params,
      ActorRef<SplitController.Command> replyTo)
      implements Command {}

  /** Send the weights of every copy to {@code replyTo}. */
  record Collect(ActorRef<SplitController.Command> replyTo) implements Command {}

  private SplitServer() {}

  /**
   * A server whose per-device rates come with each job; {@code slices} builds the copies (null in
   * timing fidelity).
   */
  static Behavior<Command> create(SliceMaker slices) {
    Map<Integer, Long> busyUntil = new HashMap<>();
    Map<Integer, Slice> copies = new TreeMap<>();
    return Behaviors.receive(Command.class)
        .onMessage(
            Job.class,
            j -> {
              long start = Math.max(j.arrivalNs(), busyUntil.getOrDefault(j.device(), 0L));
              long end = start + (long) Math.ceil(j.flops() / j.flopsPerSecond() * 1e9);
              busyUntil.put(j.device(), end);
              LossStep step = null;
              String failure = null;
              if (j.activations() != null) {
                Slice copy = copies.get(j.device());
                if (copy == null) {
                  failure = "the server holds no copy for this device";
                } else {
                  try {
                    step = copy.trainStep(j.activations(), j.labels());
                  } catch (IllegalArgumentException | IllegalStateException e) {
                    failure = "server copy: " + e.getMessage();
                  }
                }
              }
              j.replyTo().tell(new SplitDevice.ServerDone(end, end - start, step, failure));
              return Behaviors.same();
            })
        .onMessage(
            Install.class,
            m -> {
              copies.clear();
              m.cuts().forEach((d, cut) -> copies.put(d, slices.slice(cut, 1, m.params().get(d))));
              m.replyTo().tell(new SplitController.CopiesInstalled(m.round()));
              return Behaviors.same();
            })
        .onMessage(
            Collect.class,
            m -> {
              Map<Integer, Map<String, INDArray>> tables = new TreeMap<>();
              copies.forEach((d, c) -> tables.put(d, c.paramTable()));
              m.replyTo().tell(new SplitController.CopiesCollected(tables));
              return Behaviors.same();
            })
        .build();
  }
}
