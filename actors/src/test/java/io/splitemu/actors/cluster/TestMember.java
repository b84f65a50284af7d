package io.splitemu.actors.cluster;

import com.typesafe.config.Config;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The test JVM's own cluster member, started from a {@link ClusterConfig} as the first member (it
 * joins itself, so the nodes under test use it as their seed); it records every member event it
 * sees.
 */
final class TestMember implements AutoCloseable {

  private final ActorSystem<ClusterEvent.MemberEvent> system;
  private final ConcurrentLinkedQueue<ClusterEvent.MemberEvent> events;

  private TestMember(
      ActorSystem<ClusterEvent.MemberEvent> system,
      ConcurrentLinkedQueue<ClusterEvent.MemberEvent> events) {
    this.system = system;
    this.events = events;
  }

  /**
   * A port that was free a moment ago on 127.0.0.1, for a first member whose node JVMs start before
   * it (they boot slower than it does, and retry until it listens).
   */
  static int freePort() throws IOException {
    return io.splitemu.actors.cluster.Ports.free();
  }

  /** Starts the member with {@code settings} over its config, joins itself, waits until Up. */
  static TestMember startFirst(ClusterConfig config, Config settings, Duration timeout)
      throws InterruptedException {
    ConcurrentLinkedQueue<ClusterEvent.MemberEvent> events = new ConcurrentLinkedQueue<>();
    ActorSystem<ClusterEvent.MemberEvent> system =
        ActorSystem.create(recorder(events), ClusterConfig.SYSTEM_NAME, config.toConfig(settings));
    TestMember m = new TestMember(system, events);
    try {
      Cluster c = Cluster.get(system);
      c.manager().tell(Join.create(c.selfMember().address()));
      m.await(timeout, "itself Up", () -> c.selfMember().status() == MemberStatus.up());
      return m;
    } catch (RuntimeException | Error | InterruptedException e) {
      m.close();
      throw e;
    }
  }

  private static Behavior<ClusterEvent.MemberEvent> recorder(
      ConcurrentLinkedQueue<ClusterEvent.MemberEvent> events) {
    return Behaviors.setup(
        ctx -> {
          Cluster.get(ctx.getSystem())
              .subscriptions()
              .tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
          return Behaviors.receiveMessage(
              e -> {
                events.add(e);
                return Behaviors.same();
              });
        });
  }

  /** The port this member was given. */
  int port() {
    return Cluster.get(system).selfMember().address().getPort().orElseThrow();
  }

  /** This member's {@code HOST:PORT}, for a node's {@code --seed-nodes}. */
  String seed() {
    return "127.0.0.1:" + port();
  }

  /**
   * The members this one sees Up, by {@code host:port}, with their roles (Pekko's data center role
   * left out).
   */
  Map<String, Set<String>> upMembers() {
    Map<String, Set<String>> up = new TreeMap<>();
    for (Member m : members()) {
      if (m.status() == MemberStatus.up()) {
        Set<String> roles = new TreeSet<>(m.getRoles());
        roles.removeIf(r -> r.startsWith("dc-"));
        up.put(hostPort(m), roles);
      }
    }
    return up;
  }

  /** Every member this one knows, whatever its status. */
  List<Member> members() {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .toList();
  }

  /** Downs the member at {@code hostPort}, as the Split Brain Resolver would. */
  void down(String hostPort) {
    Member m =
        members().stream()
            .filter(x -> hostPort(x).equals(hostPort))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no member " + hostPort + ": " + members()));
    Cluster.get(system).manager().tell(new Down(m.address()));
  }

  /** The member events seen so far, oldest first. */
  List<ClusterEvent.MemberEvent> events() {
    return List.copyOf(events);
  }

  static String hostPort(Member m) {
    return m.address().getHost().orElse("?") + ":" + m.address().getPort().orElse(-1);
  }

  /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
  void await(Duration timeout, String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within " + timeout.toSeconds() + " s: " + what + "; members: " + members());
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the test's own assertions already ran; a slow shutdown changes none of them
    }
  }
}
