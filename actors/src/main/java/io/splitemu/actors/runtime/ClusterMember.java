package io.splitemu.actors.runtime;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.Materializer;

/**
 * What a cluster member serves for the runs of a supervisor ({@link ClusterRun}): one actor,
 * registered with the Receptionist under {@link #KEY}, that loads a run's scenario and builds the
 * run's objects of this JVM from it ({@link Emulation#prepare}, the same seeded draws as every
 * other member), spawns the edge server on an {@code edge} member, and, on a {@code devices}
 * member, the devices as Cluster Sharding entities of {@link #DEVICES}; for MP-SL a {@code hops}
 * member spawns the hops and devices members build their pipeline devices ({@link PipelineMember}).
 *
 * <p>A member holds one run at a time. Only the scenario crosses the wire; data sets, links,
 * processors and slices are built here, and a device's entity is built from the setup of its id.
 */
public final class ClusterMember {

  /** The Receptionist key of every member's loader. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "splitemu-member");

  /** The sharded devices: entity id {@code RUN/DEVICE}. */
  public static final EntityTypeKey<Device.Command> DEVICES =
      EntityTypeKey.create(Device.Command.class, "splitemu-device");

  /** How often a load waits for the Split Brain Resolver on a held run's unreachable supervisor. */
  static final java.time.Duration LOAD_RETRY = java.time.Duration.ofSeconds(1);

  /** How long a load waits for a held run's coordinator to say it is there. */
  static final java.time.Duration PROBE_TIMEOUT = java.time.Duration.ofSeconds(3);

  /** How many ended runs a member remembers, so that a late message for one stops its entity. */
  private static final int ENDED_KEPT = 16;

  /** How often a member looks whether a held run's supervisor's member is gone (OwnerCheck). */
  private static final java.time.Duration OWNER_CHECK = java.time.Duration.ofSeconds(1);

  /**
   * How long an entity of a run its member does not hold yet waits for the run's load (and, for
   * MP-SL, its wiring) before it stops; it is told when the run is ready ({@link Runs#wake}).
   */
  static final java.time.Duration AWAIT_RUN = java.time.Duration.ofMinutes(2);

  private ClusterMember() {}

  /** What a member's loader accepts. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * Build run {@code run} from its resolved scenario (read relative to {@code scenarioFile}, the
   * supervisor's path: members share the scenario's folder layout) and answer {@code replyTo};
   * {@code owner} hears of anything that fails in the run's actors here.
   */
  public record Load(
      String run,
      String resolved,
      String scenarioFile,
      ActorRef<ClusterRun.Command> owner,
      ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Whether the coordinator of held run {@code held} answered a load's probe ({@code answered}) and
   * is there ({@code alive}).
   */
  private record Probed(Load load, String held, boolean answered, boolean alive)
      implements Command {}

  /**
   * A load a test's gate held back ({@link #guardian(Set, java.util.concurrent.CompletionStage,
   * java.util.function.Function)}).
   */
  private record Gated(Load load) implements Command {}

  /**
   * Looks whether the member of run {@code run}'s supervisor is gone, after a {@link Terminated} of
   * the supervisor while its member was up (below).
   */
  private record OwnerCheck(String run) implements Command {}

  /** Spawn the edge server of the loaded run and tell {@code supervisor} its reference. */
  public record SpawnServer(
      String run, ActorRef<Recorder.Command> recorder, ActorRef<Supervisor.Command> supervisor)
      implements Command {}

  /**
   * MP-SL: spawn every lane's hops of the loaded run with the lane's downlink channel, reporting to
   * {@code replies}, and tell {@code supervisor} {@link Supervisor.HopsPlaced}; a resumed run's
   * from {@code resumed}, its checkpoint's state (null: the run's start).
   */
  public record SpawnHops(
      String run,
      ActorRef<ComputeHop.Reply> replies,
      ActorRef<Supervisor.Command> supervisor,
      PipelineControl.State resumed)
      implements Command {}

  /**
   * MP-SL: the loaded run's hops ({@code hops}, every lane's chain in plan order) and its {@code
   * supervisor}, from which this devices member builds its pipeline devices (a resumed run's from
   * {@code resumed}, its checkpoint's state; null: the run's start); answered {@link PipelineWired}
   * before any device is addressed.
   */
  public record WirePipeline(
      String run,
      List<ActorRef<ComputeHop.Command>> hops,
      ActorRef<Supervisor.Command> supervisor,
      ActorRef<Reply> replyTo,
      PipelineControl.State resumed)
      implements Command {}

  /** Run {@code run} is over: stop its actors here and drop its objects. */
  public record Unload(String run) implements Command {}

  /**
   * The runs a member held and dropped (latest last, the newest {@link #ENDED_KEPT}), and the
   * device entities that wait for a run to be ready on the member, told {@link Device.AwaitRun}
   * when it is loaded, wired (MP-SL) or ended.
   */
  static final class Runs {
    private final java.util.Deque<String> ended =
        new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.concurrent.ConcurrentMap<String, Set<ActorRef<Device.Command>>>
        waiting = new java.util.concurrent.ConcurrentHashMap<>();

    boolean contains(String run) {
      return ended.contains(run);
    }

    /** {@code run} ended here: its waiting entities stop. */
    void remember(String run) {
      ended.addLast(run);
      while (ended.size() > ENDED_KEPT) {
        ended.pollFirst();
      }
      wake(run);
    }

    /** Tells every entity waiting for {@code run} to look again. */
    void wake(String run) {
      Set<ActorRef<Device.Command>> s = waiting.get(run);
      if (s != null) {
        s.forEach(e -> e.tell(Device.AwaitRun.INSTANCE));
      }
    }

    void await(String run, ActorRef<Device.Command> entity) {
      waiting.compute(
          run,
          (k, s) -> {
            Set<ActorRef<Device.Command>> out =
                s == null ? java.util.concurrent.ConcurrentHashMap.newKeySet() : s;
            out.add(entity);
            return out;
          });
    }

    void stopWaiting(String run, ActorRef<Device.Command> entity) {
      waiting.computeIfPresent(
          run,
          (k, s) -> {
            s.remove(entity);
            return s.isEmpty() ? null : s;
          });
    }
  }

  /** A loader's answer. */
  public sealed interface Reply extends ClusterMessage {}

  /** The run is built on the member at {@code member} (host:port), serving {@code roles}. */
  public record Loaded(String member, List<String> roles) implements Reply {}

  /** The member could not build the run: {@code reason}, one line. */
  public record LoadFailed(String member, String reason) implements Reply {}

  /**
   * The member at {@code member} holds another run whose supervisor is still up, and refuses this
   * one: {@code line} names the member and that run.
   */
  public record Busy(String member, String line) implements Reply {}

  /**
   * The member at {@code member} holds run {@code heldRun}, whose supervisor's member {@code
   * supervisor} is {@code unreachable} (else up, but its run's coordinator did not answer): this
   * load waits until that member answers again or is gone. Told each time the load looks again, so
   * that a load that times out can name the run and the supervisor it waits for.
   */
  public record Waiting(String member, String heldRun, String supervisor, boolean unreachable)
      implements Reply {}

  /** The devices member at {@code member} holds the MP-SL run's chains. */
  public record PipelineWired(String member) implements Reply {}

  /**
   * The run a member holds, from which its device entities are built; {@code channels} runs its
   * link channels, {@code pipeline} is its MP-SL part (null for the other schemes).
   */
  record Held(
      String run,
      SupervisorSetup setup,
      SliceMaker slices,
      ActorRef<ClusterRun.Command> owner,
      String member,
      Materializer channels,
      PipelineMember pipeline,
      java.util.concurrent.atomic.AtomicBoolean reported,
      java.util.Queue<ActorRef<Device.Command>> entities) {}

  /**
   * A member's guardian: its loader, registered with the Receptionist, and, with the {@code
   * devices} role, the device entities.
   */
  public static Behavior<Void> guardian(Set<String> roles) {
    return guardian(roles, java.util.concurrent.CompletableFuture.completedFuture(null));
  }

  /**
   * {@link #guardian(Set)} whose loader is registered with the Receptionist only once {@code
   * listed} completes (tests: a member whose shard region serves before any run knows of it, as a
   * member that joins while a run places its devices).
   */
  static Behavior<Void> guardian(
      Set<String> roles, java.util.concurrent.CompletionStage<?> listed) {
    return guardian(roles, listed, run -> null);
  }

  /**
   * {@link #guardian(Set, java.util.concurrent.CompletionStage)} whose loader takes the load of run
   * RUN only once {@code gate.apply(RUN)} completes (null: at once), after whatever it was told
   * meanwhile (tests: two runs' loads reaching a member in a given order).
   */
  static Behavior<Void> guardian(
      Set<String> roles,
      java.util.concurrent.CompletionStage<?> listed,
      java.util.function.Function<String, java.util.concurrent.CompletionStage<?>> gate) {
    return Behaviors.setup(
        ctx -> {
          AtomicReference<Held> held = new AtomicReference<>();
          // The runs this member held and dropped, latest last: an entity of one of them stops.
          Runs ended = new Runs();
          ActorRef<ShardingEnvelope<Device.Command>> region = null;
          // An edge member (the devices' forwarders) and a hops member (MP-SL) reach the devices
          // too: without the devices role their region is a proxy.
          if (roles.contains("devices") || roles.contains("hops") || roles.contains("edge")) {
            region =
                devices(
                    ctx.getSystem(),
                    e -> device(held, ended, e),
                    ended::contains,
                    line -> {
                      // A refused part at an entity: no parent reports it, so the run hears here.
                      Held h = held.get();
                      if (h != null) {
                        h.owner().tell(new ClusterRun.MemberFailed(h.member() + ": " + line));
                      }
                    });
          }
          // Its state is the held run, outside it: a bug in a handler restarts it (it stays
          // registered) rather than leaving the member deaf to every later run.
          ActorRef<Command> loader =
              ctx.spawn(
                  Behaviors.supervise(loader(roles, held, ended, region, gate))
                      .onFailure(RuntimeException.class, SupervisorStrategy.restart()),
                  "loader");
          var receptionist = ctx.getSystem().receptionist();
          listed.thenRun(() -> receptionist.tell(Receptionist.register(KEY, loader)));
          // Artery drops a message above the frame size, or one that meets a full queue to
          // another member, and only logs or publishes that: the run hears of it.
          watch(
              ctx,
              held,
              org.apache.pekko.event.Logging.Error.class,
              e -> RunGuardian.oversized(e.cause()),
              "oversized-messages");
          watch(
              ctx,
              held,
              org.apache.pekko.actor.Dropped.class,
              RunGuardian::overflowed,
              "dropped-messages");
          return Behaviors.empty();
        });
  }

  /**
   * Tells the held run's owner, once per run, the line {@code line} makes of an event of {@code
   * type} on this system's event stream (null: not the run's concern). Once: the report itself may
   * meet the same full queue.
   */
  private static <T> void watch(
      ActorContext<Void> ctx,
      AtomicReference<Held> held,
      Class<T> type,
      java.util.function.Function<T, String> line,
      String name) {
    ActorRef<T> watcher =
        ctx.spawn(
            Behaviors.receive(type)
                .onMessage(
                    type,
                    e -> {
                      String l = line.apply(e);
                      Held h = held.get();
                      if (l != null && h != null && h.reported().compareAndSet(false, true)) {
                        h.owner().tell(new ClusterRun.MemberFailed(h.member() + ": " + l));
                      }
                      return Behaviors.same();
                    })
                .build(),
            name);
    org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem())
        .getEventStream()
        .subscribe(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(watcher), type);
  }

  /** A held run's supervisor, as this member's view of the cluster has it. */
  private enum OwnerState {
    UP,
    UNREACHABLE,
    GONE
  }

  /** The state of the member of {@code owner}, a run's coordinator on its supervisor's member. */
  private static OwnerState state(ActorContext<?> ctx, ActorRef<?> owner) {
    org.apache.pekko.actor.Address a = owner.path().address();
    Cluster cluster = Cluster.get(ctx.getSystem());
    if (!a.hasGlobalScope()) {
      return OwnerState.UP; // a run of this very member's JVM
    }
    for (org.apache.pekko.cluster.Member m : cluster.state().getUnreachable()) {
      if (m.address().equals(a)) {
        return OwnerState.UNREACHABLE;
      }
    }
    for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
      if (m.address().equals(a)) {
        var s = m.status();
        return s == org.apache.pekko.cluster.MemberStatus.up()
                || s == org.apache.pekko.cluster.MemberStatus.weaklyUp()
                || s == org.apache.pekko.cluster.MemberStatus.joining()
            ? OwnerState.UP
            : OwnerState.GONE;
      }
    }
    return OwnerState.GONE;
  }

  private static String ownerAddress(ActorContext<?> ctx, ActorRef<?> owner) {
    org.apache.pekko.actor.Address a = owner.path().address();
    return a.hasGlobalScope() ? hostPort(a) : address(ctx);
  }

  /** The host:port of this member. */
  static String address(ActorContext<?> ctx) {
    return hostPort(Cluster.get(ctx.getSystem()).selfMember().address());
  }

  /**
   * The oldest up member of {@code role}, where the Cluster Singleton of that role runs, or null
   * when none is up; a member joining, leaving, exiting or down is never it.
   */
  public static org.apache.pekko.cluster.Member oldestUp(Cluster cluster, String role) {
    org.apache.pekko.cluster.Member oldest = null;
    for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
      if (m.hasRole(role)
          && m.status() == org.apache.pekko.cluster.MemberStatus.up()
          && (oldest == null || m.isOlderThan(oldest))) {
        oldest = m;
      }
    }
    return oldest;
  }

  /** The host:port of a member's address, as runs name members. */
  static String hostPort(org.apache.pekko.actor.Address a) {
    return a.host().get() + ":" + a.port().get();
  }

  /**
   * The sharded devices on {@code system}, whose entity of id {@code RUN/DEVICE} {@code entity}
   * builds: every member must start them with the same role, stop message and allocation, so this
   * is the one place that says them (a member without the devices role gets a proxy).
   */
  static ActorRef<ShardingEnvelope<Device.Command>> devices(
      org.apache.pekko.actor.typed.ActorSystem<?> system,
      java.util.function.Function<String, Behavior<Device.Command>> entity,
      java.util.function.Predicate<String> ended,
      java.util.function.Consumer<String> refused) {
    return ClusterSharding.get(system)
        .init(
            // An entity's commands above the frame come in parts (Chunks).
            Entity.of(
                    DEVICES,
                    e ->
                        Chunks.reassembling(
                            Device.Command.class, entity.apply(e.getEntityId()), refused))
                .withRole("devices")
                // Sent only when sharding hands a shard over (no passivation): its member leaves.
                .withStopMessage(Device.HandOff.INSTANCE)
                .withAllocationStrategy(new DeviceAllocation(system, ended))
                .withMessageExtractor(
                    new org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor<
                        ShardingEnvelope<Device.Command>, Device.Command>() {
                      @Override
                      public String entityId(ShardingEnvelope<Device.Command> e) {
                        return e.entityId();
                      }

                      @Override
                      public String shardId(String entityId) {
                        return deviceShard(entityId);
                      }

                      @Override
                      public Device.Command unwrapMessage(ShardingEnvelope<Device.Command> e) {
                        return e.message();
                      }
                    }));
  }

  /**
   * The shard of device entity {@code entityId} ({@code RUN/DEVICE}): {@code RUN/N}, N the device
   * modulo {@link #SHARDS_PER_RUN}, which {@link DeviceAllocation} gives its member by. A shard
   * holds the devices of one run only, so that {@link DeviceAllocation} can count each member's
   * shards of the run being placed again after a loss, and release those of a run that ended: the
   * shards of earlier runs stay on long-lived members (never passivated nor rebalanced), and
   * counting them gave a member that had just joined every device of the next runs.
   */
  static String deviceShard(String entityId) {
    int slash = entityId.lastIndexOf('/');
    try {
      int device = Integer.parseInt(entityId.substring(slash + 1));
      return entityId.substring(0, slash + 1) + Math.floorMod(device, SHARDS_PER_RUN);
    } catch (NumberFormatException e) {
      return entityId.substring(0, slash + 1) + Math.floorMod(entityId.hashCode(), SHARDS_PER_RUN);
    }
  }

  /** The most shards one run's devices take (sharding's usual number of shards). */
  static final int SHARDS_PER_RUN = 1000;

  /**
   * The name of run {@code run}'s device {@code id}'s forwarder, a child of its edge member's
   * loader.
   */
  static String forwarderName(String run, int id) {
    return "device-" + run + "-" + id;
  }

  /**
   * The reference to sharded device {@code id} of run {@code run} that the supervisor and the edge
   * server hold (an entity's own reference cannot be held): forwards each command to the entity,
   * numbered ({@link Device.Sequenced}) so that an entity re-created elsewhere knows it did not see
   * the first, and remembers the last phase request; told {@link Device.Retire} (the device's
   * member is lost), it answers that request and every later one with {@link Barrier.Missed}, as a
   * crashed device does, and forwards nothing until the supervisor re-creates the device from its
   * kept state ({@link Device.Restore}).
   */
  static Behavior<Device.Command> forwarder(
      ActorRef<ShardingEnvelope<Device.Command>> region, String run, int id) {
    // A kept state from the supervisor may come in parts, and go on in parts.
    return Chunks.reassembling(
        Device.Command.class,
        Behaviors.setup(
            ctx ->
                forwarding(Chunks.get(ctx.getSystem()), region, run + "/" + id, id, null, 0, 0)));
  }

  /**
   * The epoch a command's forwarder stamps on it and on those after it ({@link Device.Sequenced}).
   */
  private static int epoch(Device.Command c, int epoch) {
    return c instanceof Device.Restore r ? Math.max(epoch, r.epoch()) : epoch;
  }

  private static Behavior<Device.Command> forwarding(
      Chunks chunks,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      String entity,
      int id,
      Device.Request last,
      long seq,
      int epoch) {
    return Behaviors.receive(Device.Command.class)
        .onMessageEquals(
            Device.Retire.INSTANCE,
            () -> {
              if (last != null) {
                last.replyTo().tell(new Barrier.Missed(id, Long.MIN_VALUE));
              }
              return lostDevice(chunks, region, entity, id, seq, epoch);
            })
        .onMessage(
            Device.Command.class,
            c -> {
              int e = epoch(c, epoch);
              chunks.tellEntity(region, entity, new Device.Sequenced(seq, c, e));
              return forwarding(
                  chunks, region, entity, id, c instanceof Device.Request r ? r : last, seq + 1, e);
            })
        .build();
  }

  /**
   * A device whose member was lost: it answers every phase request as a crashed device does, until
   * the supervisor re-creates it from a saved state ({@link Device.Restore}), which sharding
   * delivers to a new entity on a surviving member; then it forwards again.
   */
  private static Behavior<Device.Command> lostDevice(
      Chunks chunks,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      String entity,
      int id,
      long seq,
      int epoch) {
    return Behaviors.receive(Device.Command.class)
        .onMessage(
            Device.Request.class,
            r -> {
              r.replyTo().tell(new Barrier.Missed(id, Long.MIN_VALUE));
              return Behaviors.same();
            })
        .onMessage(
            Device.Restore.class,
            r -> {
              int e = epoch(r, epoch);
              chunks.tellEntity(region, entity, new Device.Sequenced(seq, r, e));
              return forwarding(chunks, region, entity, id, null, seq + 1, e);
            })
        .onMessage(Device.Command.class, c -> Behaviors.same())
        .build();
  }

  private static Behavior<Command> loader(
      Set<String> roles,
      AtomicReference<Held> held,
      Runs ended,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      java.util.function.Function<String, java.util.concurrent.CompletionStage<?>> gate) {
    return Behaviors.setup(
        ctx ->
            Behaviors.receive(Command.class)
                .onMessage(
                    Load.class,
                    m -> {
                      var g = gate.apply(m.run());
                      if (g == null) {
                        return onLoad(ctx, roles, held, ended, m);
                      }
                      ctx.pipeToSelf(g, (v, e) -> new Gated(m));
                      return Behaviors.same();
                    })
                .onMessage(Gated.class, g -> onLoad(ctx, roles, held, ended, g.load()))
                .onMessage(Probed.class, p -> onProbed(ctx, roles, held, ended, p))
                .onMessage(SpawnServer.class, m -> onSpawnServer(ctx, held, region, m))
                .onMessage(SpawnHops.class, m -> onSpawnHops(ctx, held, region, m))
                .onMessage(WirePipeline.class, m -> onWirePipeline(ctx, held, ended, m))
                .onMessage(Unload.class, m -> onUnload(ctx, held, ended, m))
                .onMessage(
                    OwnerCheck.class,
                    m -> {
                      Held h = held.get();
                      if (h != null && h.run().equals(m.run())) {
                        if (state(ctx, h.owner()) == OwnerState.GONE) {
                          drop(ctx, held, ended);
                        } else {
                          ctx.scheduleOnce(OWNER_CHECK, ctx.getSelf(), m);
                        }
                      }
                      return Behaviors.same();
                    })
                .onSignal(ChildFailed.class, f -> onChildFailed(held, f))
                .onSignal(
                    Terminated.class,
                    t -> {
                      // The held run's supervisor is gone (its JVM left or was downed) without
                      // unloading it; otherwise a child stopped by an unload.
                      Held h = held.get();
                      if (h != null && t.getRef().equals(h.owner())) {
                        if (state(ctx, h.owner()) != OwnerState.GONE) {
                          // Its member is still in the cluster: the removal of an earlier member
                          // at the same address (a supervisor restarted at its fixed --port),
                          // seen late here, ends every watch at the address (Pekko's
                          // AddressTerminated is by address, not incarnation), and a new watch
                          // of it ends at once too. The run is dropped once its supervisor's
                          // member is gone instead, looked at every second. Before 2026-12-07
                          // the member dropped the run at once, its devices never started, and
                          // about 1 in 4 runs started right after another at the same --port
                          // ended with "N of 4 devices did not start".
                          ctx.getLog()
                              .warn(
                                  "run {}: its supervisor {} was reported gone while its member"
                                      + " is in the cluster (an earlier member at that address"
                                      + " removed); the run is dropped once that member is gone",
                                  h.run(),
                                  ownerAddress(ctx, h.owner()));
                          ctx.scheduleOnce(OWNER_CHECK, ctx.getSelf(), new OwnerCheck(h.run()));
                        } else {
                          drop(ctx, held, ended);
                        }
                      }
                      return Behaviors.same();
                    })
                .build());
  }

  private static Behavior<Command> onLoad(
      ActorContext<Command> ctx,
      Set<String> roles,
      AtomicReference<Held> held,
      Runs ended,
      Load m) {
    Held current = held.get();
    boolean other = current != null && !current.run().equals(m.run());
    // (A supervisor's member this member does not know yet is not gone: only a load that may have
    // waited looks at its member.)
    if (ended.contains(m.run()) && (current == null || other)
        || other && state(ctx, m.owner()) == OwnerState.GONE) {
      // A load that waited for a held run: its own run ended meanwhile (unloaded at its load
      // timeout, or its supervisor's member removed), also when the held run went in the same
      // second. Nothing to build; a held run stays.
      ctx.getLog()
          .warn(
              "cluster member {}: run {} ended while its load waited{}; it was not built here",
              address(ctx),
              m.run(),
              current == null
                  ? ""
                  : " for run "
                      + current.run()
                      + " of the supervisor member "
                      + ownerAddress(ctx, current.owner()));
      return Behaviors.same();
    }
    if (other) {
      switch (state(ctx, current.owner())) {
        case UP -> {
          // Its member is up, but a JVM killed a moment ago is too until the failure detector
          // says otherwise: ask the held run's coordinator whether it is there.
          ActorRef<ClusterRun.Command> owner = current.owner();
          ctx.pipeToSelf(
              org.apache.pekko.pattern.Patterns.ask(
                  org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem())
                      .actorSelection(owner.path()),
                  new org.apache.pekko.actor.Identify(current.run()),
                  PROBE_TIMEOUT),
              (answer, error) ->
                  new Probed(
                      m,
                      current.run(),
                      error == null,
                      answer instanceof org.apache.pekko.actor.ActorIdentity id
                          && id.getActorRef().isPresent()));
          return Behaviors.same();
        }
        case UNREACHABLE -> {
          // Gone or only slow (a paused JVM): the Split Brain Resolver decides; look again then.
          waiting(ctx, m, current, true);
          retry(ctx, m);
          return Behaviors.same();
        }
        case GONE -> {} // a run whose supervisor went away without unloading it ends here
      }
    }
    return load(ctx, roles, held, ended, m);
  }

  /** Tells load {@code m}'s run which held run, and whose supervisor, it waits for here. */
  private static void waiting(
      ActorContext<Command> ctx, Load m, Held current, boolean unreachable) {
    m.replyTo()
        .tell(
            new Waiting(
                address(ctx), current.run(), ownerAddress(ctx, current.owner()), unreachable));
  }

  /**
   * Looks at load {@code m} again in {@link #LOAD_RETRY}: until then the held run's supervisor is
   * neither known to be there nor known to be gone. The wait ends when either run's supervisor is
   * gone or {@code m}'s run is unloaded (its load timeout ended it; {@link #onLoad}).
   */
  private static void retry(ActorContext<Command> ctx, Load m) {
    ctx.scheduleOnce(LOAD_RETRY, ctx.getSelf(), m);
  }

  /**
   * The held run's coordinator answered (or not) whether it is there: alive, the load is refused
   * (that run goes on untouched); stopped, the load goes on; silent, it is looked at again later.
   */
  private static Behavior<Command> onProbed(
      ActorContext<Command> ctx,
      Set<String> roles,
      AtomicReference<Held> held,
      Runs ended,
      Probed p) {
    Held current = held.get();
    if (current == null || !current.run().equals(p.held())) {
      return onLoad(ctx, roles, held, ended, p.load()); // it changed meanwhile: decide again
    }
    if (!p.answered()) {
      waiting(ctx, p.load(), current, false);
      retry(ctx, p.load());
      return Behaviors.same();
    }
    if (!p.alive()) {
      return load(ctx, roles, held, ended, p.load());
    }
    String member = address(ctx);
    p.load()
        .replyTo()
        .tell(
            new Busy(
                member,
                "cluster member "
                    + member
                    + " serves run "
                    + current.run()
                    + " of the supervisor member "
                    + ownerAddress(ctx, current.owner())
                    + ", which is still running; a member serves one run at a time: start"
                    + " this run once that one ended, or in another cluster (other seed nodes)"));
    return Behaviors.same();
  }

  /** Drops the held run, if any, and builds run {@code m} here. */
  private static Behavior<Command> load(
      ActorContext<Command> ctx,
      Set<String> roles,
      AtomicReference<Held> held,
      Runs ended,
      Load m) {
    String member = address(ctx);
    drop(ctx, held, ended);
    try {
      Settings s =
          Settings.from(
              ConfigFactory.parseString(m.resolved()), List.of(), Path.of(m.scenarioFile()));
      SupervisorSetup setup = Emulation.prepare(s).factory().create(null, RunListener.NONE);
      Materializer channels = Materializer.createMaterializer(ctx.getSystem());
      Held h =
          new Held(
              m.run(),
              setup,
              Supervisor.sliceMaker(setup),
              m.owner(),
              member,
              channels,
              setup.pipeline() == null ? null : new PipelineMember(setup),
              new java.util.concurrent.atomic.AtomicBoolean(),
              new java.util.concurrent.ConcurrentLinkedQueue<>());
      if (roles.contains("devices") && !setup.devices().isEmpty()) {
        // This member's devices send through their own lanes of the bands; only the stamped
        // messages cross to the edge server.
        setup
            .devices()
            .get(0)
            .bands()
            .open(
                "",
                Pacing.virtual(),
                channels,
                why -> m.owner().tell(new ClusterRun.MemberFailed(why)));
      }
      held.set(h);
      ended.wake(m.run()); // entities that sharding gave this member before the load
      ctx.watch(m.owner()); // a supervisor gone without unloading frees this member
      m.replyTo().tell(new Loaded(member, List.copyOf(new TreeSet<>(roles))));
    } catch (RuntimeException e) {
      m.replyTo().tell(new LoadFailed(member, RunGuardian.oneLine(e)));
    }
    return Behaviors.same();
  }

  /** A request for a run this member does not hold ends that run with one line. */
  private static Behavior<Command> holdsNo(
      ActorContext<Command> ctx, ActorRef<Supervisor.Command> supervisor, String role, String run) {
    supervisor.tell(
        new Supervisor.RemoteFailed(role + " member " + address(ctx) + " holds no " + run));
    return Behaviors.same();
  }

  private static Behavior<Command> onSpawnServer(
      ActorContext<Command> ctx,
      AtomicReference<Held> held,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      SpawnServer m) {
    Held h = held.get();
    if (h == null || !h.run().equals(m.run())) {
      return holdsNo(ctx, m.supervisor(), "edge", "run " + m.run());
    }
    // The devices' forwarders first, as children here (a child exists as soon as it is spawned,
    // so nothing sent to it is lost): the supervisor addresses them by path (ClusterRun).
    for (DeviceSetup d : h.setup().devices()) {
      // Watched: a forwarder that fails (a kept state above the message size) ends the run.
      ctx.watch(ctx.spawn(forwarder(region, m.run(), d.id()), forwarderName(m.run(), d.id())));
    }
    ActorRef<EdgeServer.Command> server =
        ctx.spawn(
            Supervisor.quietStop(
                EdgeServer.create(h.setup().server(), new PacingLag(), m.recorder()),
                Exception.class),
            "edge-server-" + m.run());
    ctx.watch(server);
    m.supervisor().tell(new Supervisor.ServerPlaced(server));
    return Behaviors.same();
  }

  private static Behavior<Command> onSpawnHops(
      ActorContext<Command> ctx,
      AtomicReference<Held> held,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      SpawnHops m) {
    Held h = held.get();
    if (h == null || !h.run().equals(m.run()) || h.pipeline() == null || region == null) {
      return holdsNo(ctx, m.supervisor(), "hops", "MP-SL run " + m.run());
    }
    // Not watched by the loader: the hops actor reports its hops' failures itself.
    ctx.spawn(
        h.pipeline().hops(m.run(), region, m.replies(), m.supervisor(), h.owner(), m.resumed()),
        "hops-" + m.run());
    return Behaviors.same();
  }

  private static Behavior<Command> onWirePipeline(
      ActorContext<Command> ctx, AtomicReference<Held> held, Runs ended, WirePipeline m) {
    Held h = held.get();
    if (h == null || !h.run().equals(m.run()) || h.pipeline() == null) {
      return holdsNo(ctx, m.supervisor(), "devices", "MP-SL run " + m.run());
    }
    h.pipeline()
        .wire(
            m.hops(),
            m.supervisor(),
            h.channels(),
            // A failed uplink band ends the run as in one JVM (Supervisor.onChannelFailed).
            why -> m.supervisor().tell(new Supervisor.ChannelFailed(why, 0)),
            m.resumed());
    ended.wake(m.run()); // entities that wait for the chains
    m.replyTo().tell(new PipelineWired(h.member()));
    return Behaviors.same();
  }

  /** The edge server or a device's forwarder failed: the run ends with its line. */
  private static Behavior<Command> onChildFailed(AtomicReference<Held> held, ChildFailed f) {
    Held h = held.get();
    if (h != null) {
      String name = f.getRef().path().name();
      String who = name.startsWith("edge-server") ? "edge server" : "forwarder " + name;
      h.owner().tell(new ClusterRun.MemberFailed(Supervisor.failureLine(who, f.getCause())));
    }
    return Behaviors.same();
  }

  private static Behavior<Command> onUnload(
      ActorContext<Command> ctx, AtomicReference<Held> held, Runs ended, Unload m) {
    Held h = held.get();
    if (h != null && h.run().equals(m.run())) {
      drop(ctx, held, ended);
    } else if (!ended.contains(m.run())) {
      // A run that never loaded here (its load waited for the held run): a load of it still
      // waiting is abandoned, and a late message for it stops its entity.
      ended.remember(m.run());
    }
    return Behaviors.same();
  }

  /** Stops the held run's edge server and link channels, and forgets the run. */
  private static void drop(ActorContext<Command> ctx, AtomicReference<Held> held, Runs ended) {
    Held h = held.getAndSet(null);
    if (h != null) {
      ctx.unwatch(h.owner());
      ended.remember(h.run());
      ctx.getChildren().forEach(ctx::stop);
      // Entities the run's end did not retire (its supervisor went away): they hold its setup.
      h.entities().forEach(e -> e.tell(Device.Retire.INSTANCE));
      if (h.pipeline() != null) {
        h.pipeline().close();
      }
      h.channels().shutdown();
    }
  }

  /**
   * The entity of device {@code entityId} ({@code RUN/DEVICE}) of the run this member holds: the
   * device as a child whose failure is told to the run's owner in one line, so the run ends with it
   * rather than waiting for replies that never come.
   *
   * <p>Sharding gives a member shards ({@link DeviceAllocation}) as soon as its region is
   * registered, which can be before the run's load reaches a member that joined while the run
   * placed its devices (and, for MP-SL, before its wiring): such an entity keeps its messages until
   * the run is ready here, for at most {@link #AWAIT_RUN}. An entity of a run this member held and
   * dropped stops at once.
   */
  private static Behavior<Device.Command> device(
      AtomicReference<Held> held, Runs ended, String entityId) {
    return Behaviors.setup(
        ctx -> {
          int slash = entityId.lastIndexOf('/');
          int id = Integer.parseInt(entityId.substring(slash + 1));
          String run = entityId.substring(0, slash);
          Held h = ready(held, run);
          if (h != null) {
            return entity(ctx, h, id);
          }
          if (ended.contains(run)) {
            // A message for a run this member held and dropped (one that ended): nothing to build.
            return Behaviors.stopped();
          }
          // Told when the run is loaded, wired or ended here (Runs.wake): registered before it
          // looks once more, so that no such moment is missed.
          ActorRef<Device.Command> self = ctx.getSelf();
          ended.await(run, self);
          self.tell(Device.AwaitRun.INSTANCE);
          return Behaviors.withStash(
              100_000,
              stash ->
                  Behaviors.withTimers(
                      timers -> {
                        timers.startSingleTimer(Device.AwaitRun.EXPIRED, AWAIT_RUN);
                        return Behaviors.receive(Device.Command.class)
                            .onMessageEquals(
                                Device.AwaitRun.INSTANCE,
                                () -> {
                                  Held now = ready(held, run);
                                  if (now != null) {
                                    ended.stopWaiting(run, self);
                                    timers.cancel(Device.AwaitRun.EXPIRED);
                                    return stash.unstashAll(entity(ctx, now, id));
                                  }
                                  return ended.contains(run)
                                      ? Behaviors.stopped()
                                      : Behaviors.same();
                                })
                            .onMessageEquals(Device.AwaitRun.EXPIRED, Behaviors::stopped)
                            .onMessage(Device.Retire.class, r -> Behaviors.stopped())
                            .onMessage(Device.HandOff.class, r -> Behaviors.stopped())
                            .onMessage(
                                Device.Command.class,
                                c -> {
                                  stash.stash(c);
                                  return Behaviors.same();
                                })
                            .onSignal(
                                org.apache.pekko.actor.typed.PostStop.class,
                                s -> {
                                  ended.stopWaiting(run, self);
                                  return Behaviors.same();
                                })
                            .build();
                      }));
        });
  }

  /** The held run if it is {@code run} and ready for its devices here (MP-SL: wired), or null. */
  private static Held ready(AtomicReference<Held> held, String run) {
    Held h = held.get();
    return h != null && h.run().equals(run) && (h.pipeline() == null || h.pipeline().wired())
        ? h
        : null;
  }

  /** Device {@code id}'s entity of the held run {@code h}, before its first command. */
  private static Behavior<Device.Command> entity(ActorContext<Device.Command> ctx, Held h, int id) {
    return Behaviors.receive(Device.Command.class)
        .onMessage(Device.Retire.class, r -> Behaviors.stopped())
        .onMessage(Device.HandOff.class, r -> Behaviors.stopped()) // it had no command yet
        .onMessage(Device.Place.class, p -> started(ctx, h, id, null))
        .onMessage(
            Device.Sequenced.class,
            c ->
                c.seq() == 0 || c.command() instanceof Device.Restore
                    ? started(ctx, h, id, c)
                    : relocated(ctx, h, id, c))
        .onMessage(Device.Command.class, c -> started(ctx, h, id, c))
        .build();
  }

  /**
   * The device of entity {@code id} built from this member's run, given its first command (null:
   * placed before the run, {@link Device.Place}): a child whose failure is told to the run's owner
   * in one line, so the run ends with it rather than waiting for replies that never come.
   */
  private static Behavior<Device.Command> started(
      ActorContext<Device.Command> ctx, Held h, int id, Device.Command first) {
    Behavior<Device.Command> built;
    try {
      built =
          h.pipeline() != null
              ? h.pipeline().device(id)
              : Supervisor.device(h.setup(), h.slices(), h.setup().devices().get(id));
    } catch (RuntimeException e) {
      // Nothing else would report it: the run would wait for this device forever.
      h.owner().tell(new ClusterRun.MemberFailed(h.member() + ": " + RunGuardian.oneLine(e)));
      return Behaviors.stopped();
    }
    DeviceEntities count =
        DeviceEntities.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem()));
    ActorRef<Device.Command> device =
        count.hold().isZero()
            ? Supervisor.watchedDevice(ctx, built, "d")
            : ctx.spawn(held(Supervisor.watchedDevice(ctx, built, "d"), count.hold()), "held");
    h.entities().add(ctx.getSelf());
    count.started();
    ClusterRun.DeviceStarted report = new ClusterRun.DeviceStarted(id, h.member());
    if (count.startHold().isZero()) {
      h.owner().tell(report);
    } else { // tests: a start report slow to reach the run
      ctx.getSystem()
          .scheduler()
          .scheduleOnce(
              count.startHold(), () -> h.owner().tell(report), ctx.getSystem().executionContext());
    }
    // The epoch of the restore the device has taken (-1: none): one it was built with (a lost
    // device re-created here), or one after it was placed (a resumed run's, from its checkpoint, a
    // crash's rewind, each one above the device's last, or a later re-creation whose request found
    // it here); and the epoch of the last command.
    int[] restored = {
      first instanceof Device.Sequenced q && q.command() instanceof Device.Restore r
          ? r.epoch()
          : -1
    };
    int[] epoch = {first instanceof Device.Sequenced q ? q.epoch() : 0};
    Behavior<Device.Command> running =
        Behaviors.receive(Device.Command.class)
            .onMessage(Device.Retire.class, r -> Behaviors.stopped())
            .onMessage(
                Device.HandOff.class,
                r -> {
                  // Its member leaves: what the device was answering, or a request sharding
                  // dropped during the hand-over, would never be answered. The run takes it out
                  // as a crashed device and re-creates it elsewhere from its kept state.
                  reportLater(
                      ctx, count, h, new ClusterRun.DeviceHandedOff(id, h.member(), epoch[0]));
                  return Behaviors.stopped();
                })
            .onMessage(Device.Place.class, p -> Behaviors.same())
            .onMessage(
                Device.Sequenced.class,
                c -> {
                  epoch[0] = Math.max(epoch[0], c.epoch());
                  if (c.command() instanceof Device.Restore r && r.epoch() <= restored[0]) {
                    // A re-sent restore, after the one this device took: it holds that state
                    // already, and may be in a round by now.
                    r.replyTo().tell(new Device.Restored(id, r.epoch()));
                  } else {
                    if (c.command() instanceof Device.Restore r) {
                      restored[0] = r.epoch();
                    }
                    device.tell(c.command());
                  }
                  return Behaviors.same();
                })
            .onMessage(
                Device.Command.class,
                c -> {
                  device.tell(c);
                  return Behaviors.same();
                })
            .onSignal(
                ChildFailed.class,
                f -> {
                  h.owner()
                      .tell(
                          new ClusterRun.MemberFailed(
                              Supervisor.failureLine("device-" + id, f.getCause())));
                  return Behaviors.stopped();
                })
            .onSignal(
                org.apache.pekko.actor.typed.PostStop.class,
                s -> {
                  count.stopped();
                  return Behaviors.same();
                })
            .build();
    if (first != null) {
      device.tell(first instanceof Device.Sequenced q ? q.command() : first);
    }
    return running;
  }

  /**
   * Tests ({@link DeviceEntities#holdCommands}): hands each command to {@code device} {@code hold}
   * after it came or after the one before it was handed, in order; its tick is {@link
   * Device.AwaitRun#INSTANCE}, which a device never gets.
   */
  private static Behavior<Device.Command> held(
      ActorRef<Device.Command> device, java.time.Duration hold) {
    return Behaviors.withTimers(
        timers -> {
          java.util.ArrayDeque<Device.Command> queue = new java.util.ArrayDeque<>();
          return Behaviors.receive(Device.Command.class)
              .onMessageEquals(
                  Device.AwaitRun.INSTANCE,
                  () -> {
                    device.tell(queue.poll());
                    if (!queue.isEmpty()) {
                      timers.startSingleTimer(Device.AwaitRun.INSTANCE, hold);
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  Device.Command.class,
                  c -> {
                    if (queue.isEmpty()) {
                      timers.startSingleTimer(Device.AwaitRun.INSTANCE, hold);
                    }
                    queue.add(c);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /**
   * Sharding re-created device {@code id} here after its member left or was lost, on a command
   * other than its first: its state (slice, optimizer, batch position) is gone, so it must not
   * answer as if it had it. It answers that request and every later one as a crashed device does,
   * and the run's owner takes it out of the run ({@link ClusterRun.DeviceRelocated}).
   */
  private static Behavior<Device.Command> relocated(
      ActorContext<Device.Command> ctx, Held h, int id, Device.Sequenced first) {
    DeviceEntities count =
        DeviceEntities.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem()));
    count.relocatedHere();
    reportLater(ctx, count, h, new ClusterRun.DeviceRelocated(id, h.member(), first.epoch()));
    return missing(ctx, h, id).apply(first.command());
  }

  /**
   * Tells the run's owner {@code report} about this entity, at once, or (tests: {@link
   * DeviceEntities#holdReports}) that much later, as a report that comes after others.
   */
  private static void reportLater(
      ActorContext<Device.Command> ctx, DeviceEntities count, Held h, ClusterRun.Command report) {
    if (count.reportHold().isZero()) {
      h.owner().tell(report);
    } else {
      ctx.getSystem()
          .scheduler()
          .scheduleOnce(
              count.reportHold(), () -> h.owner().tell(report), ctx.getSystem().executionContext());
    }
  }

  /**
   * Answers each phase request, wrapped or not, with {@link Barrier.Missed}, until the supervisor
   * re-creates the device from a saved state ({@link Device.Restore}).
   */
  private static java.util.function.Function<Device.Command, Behavior<Device.Command>> missing(
      ActorContext<Device.Command> ctx, Held h, int id) {
    return new java.util.function.Function<>() {
      @Override
      public Behavior<Device.Command> apply(Device.Command c) {
        Device.Command inner = c instanceof Device.Sequenced q ? q.command() : c;
        if (inner instanceof Device.Restore) {
          return started(ctx, h, id, c);
        }
        if (inner instanceof Device.Request r) {
          // Lost with its member, not a missed deadline: the run takes it out on its report.
          r.replyTo().tell(new Barrier.Missed(id, Long.MIN_VALUE, true));
        }
        return Behaviors.receive(Device.Command.class)
            .onMessage(Device.Retire.class, r -> Behaviors.stopped())
            .onMessage(Device.HandOff.class, r -> Behaviors.stopped()) // out of the run already
            .onMessage(Device.Command.class, this::apply)
            .build();
      }
    };
  }
}
