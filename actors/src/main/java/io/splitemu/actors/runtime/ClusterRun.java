package io.splitemu.actors.runtime;

import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.results.Units;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.stream.PacingLag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.pattern.Patterns;

/**
 * A run across a cluster, on the supervisor's member: waits until enough members serve (the
 * Receptionist's listing of {@link ClusterMember#KEY}), has each load the scenario, waits until
 * every {@code devices} member's shard region is registered, starts every device's entity (in
 * windows of {@link #PLACE_WINDOW}; MP-SL's devices start later, with their hops), then starts the
 * {@link Supervisor} as a Cluster Singleton (role {@code supervisor}) whose devices are sharded
 * entities and whose edge server an {@code edge} member spawns ({@link Placement}). It relays what
 * the members report (a failed actor, a device's placement) to the supervisor, ends the run with
 * one line when a member it uses is lost, and when the run is over retires the devices and unloads
 * the members.
 */
public final class ClusterRun extends AbstractBehavior<ClusterRun.Command> {

  /**
   * Devices told {@link Device.Place} and not yet started, at most: the proxy region buffers
   * messages for shards whose home it does not know yet (up to sharding's buffer-size, 100,000),
   * and Artery's queues are bounded, so a million devices are placed in windows.
   */
  static final int PLACE_WINDOW = 10_000;

  /**
   * The {@link Supervisor.Finished#rounds()} of a run that ended before its supervisor started: no
   * round ran (a join or load timeout, a member lost while loading, SIGTERM).
   */
  static final int NOT_STARTED = -2;

  /** How often a stop request (SIGTERM) is looked for until the supervisor starts. */
  static final Duration STOP_POLL = Duration.ofMillis(100);

  /** What the run's coordinator accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** An actor of the run on a member failed: the run ends with {@code reason}. */
  public record MemberFailed(String reason) implements Command {}

  /**
   * Device {@code device} was re-created on the member at {@code member} without its state (its own
   * member went away): it leaves the run as a crashed device, unless the run has re-created it
   * since the command that created it was sent ({@code epoch}: that command's, {@link
   * Device.Sequenced}).
   */
  public record DeviceRelocated(int device, String member, int epoch) implements Command {}

  /**
   * Device {@code device}'s entity on the member at {@code member} stopped because sharding handed
   * its shard over (the member leaves the cluster gracefully) while the run went on: the request it
   * was answering, or one on its way to it, is lost, so it leaves the run as a crashed device, to
   * be re-created on another member from its kept state ({@code epoch}: that of its last command,
   * {@link Device.Sequenced}).
   */
  public record DeviceHandedOff(int device, String member, int epoch) implements Command {}

  /** Device {@code device}'s entity started on the member at {@code member} (host:port). */
  public record DeviceStarted(int device, String member) implements Command {}

  /**
   * MP-SL: the supervisor ends the run; answer {@link Supervisor.PlacementSettled} to {@code
   * replyTo} with the placement rows not told yet, once every device of {@code awaited} has started
   * (or after {@link Supervisor#PLACEMENT_SETTLE}).
   */
  public record SettlePlacement(Set<Integer> awaited, ActorRef<Supervisor.Command> replyTo)
      implements Command {
    public SettlePlacement {
      awaited = Set.copyOf(awaited);
    }
  }

  /** The members' loaders the Receptionist lists now. */
  private record Members(List<ActorRef<ClusterMember.Command>> loaders) implements Command {}

  private record LoadReply(ClusterMember.Reply reply) implements Command {}

  private record Regions(Set<String> members) implements Command {}

  /** Tell the late member at {@code member}, which answered Busy, to load the run again. */
  private record Reload(String member) implements Command {}

  /** Artery dropped a message of this JVM because a queue to another member was full. */
  private record Overflowed(String line) implements Command {}

  /**
   * A member's state changed; {@code gone}: it was downed, removed, or it left; {@code removed}: it
   * was removed (sharding holds no shard there any more).
   */
  private record MemberChanged(String member, boolean gone, boolean removed) implements Command {}

  private record SupervisorUp(ActorRef<Supervisor.Command> supervisor) implements Command {}

  private record Done(Supervisor.Finished finished) implements Command {}

  /** MP-SL: hand every devices member the hops and the supervisor ({@link Placement}). */
  private record WirePipeline(
      List<ActorRef<ComputeHop.Command>> hops, ActorRef<Supervisor.Command> supervisor)
      implements Command {}

  private enum Tick implements Command {
    JOIN_TIMEOUT,
    LOAD_TIMEOUT,
    STOP_POLL,
    REGIONS,
    PLACING,
    SUPERVISOR_TIMEOUT,
    SETTLE
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String run;
  private final io.splitemu.actors.config.Settings settings;
  private final SupervisorSetup setup;
  private final PacingLag lag;
  private final double speedup;
  private final int minMembers;
  private final io.splitemu.actors.config.ClusterRunSettings timeouts;
  private final StopSwitch stop;
  private final ActorRef<Supervisor.Finished> done;
  private final ActorRef<ShardingEnvelope<Device.Command>> region;
  private final Map<String, ActorRef<ClusterMember.Command>> loaders = new TreeMap<>();
  private final Map<String, List<String>> roles = new TreeMap<>();
  private final List<String> loadFailures = new ArrayList<>();
  // Members whose load waits for another run's supervisor, and what it waits for (the latest).
  private final Map<String, ClusterMember.Waiting> waiting = new TreeMap<>();
  // Late members that answered Busy, and when they first did (System.nanoTime).
  private final Map<String, Long> busySince = new TreeMap<>();
  private boolean loading;
  // Every loader told Load (an incarnation each), and whether the first listing's have answered.
  private final Set<ActorRef<ClusterMember.Command>> sentLoad = new java.util.HashSet<>();
  private boolean loaded;
  private final ActorRef<ClusterMember.Reply> loadReplies;
  private ActorRef<Supervisor.Command> supervisor;
  private ActorRef<Supervisor.Command> singleton;
  private boolean finished;
  // Devices placed before the run starts (every scheme but MP-SL, whose devices need their hops):
  // how many have started, and how many had when the placement watchdog last looked.
  private boolean placing;
  private int placedCount;
  private int placedAtLastTick;
  private int placeSent; // devices told Place so far: at most PLACE_WINDOW more than have started
  private boolean overflowed;
  // Which devices started on which member (host:port), and the members lost during the run.
  private final Map<String, Set<Integer>> placed = new TreeMap<>();
  // MP-SL: whether the supervisor was told where its devices started (once, when all had).
  private boolean pipelinePlacementTold;
  // MP-SL: the supervisor's request at the run's end, while devices it waits for have not started.
  private SettlePlacement settling;
  private final Set<String> lost = new TreeSet<>();
  // The members removed from the cluster (an incarnation that joins again at the address is not).
  private final Set<String> removed = new TreeSet<>();
  private final Set<Integer> relocated = new TreeSet<>();
  // MP-SL: the devices members that do not hold the chains yet.
  private final Set<String> unwired = new TreeSet<>();
  private ActorRef<Supervisor.Command> wiredTo;
  private List<ActorRef<ComputeHop.Command>> wiredHops;
  // The devices members whose shard regions the coordinator knew when last asked.
  private Set<String> regionsSeen = Set.of();

  /**
   * Runs {@code setup} (built from {@code settings}) as run {@code run} once {@code minMembers}
   * members, this one included, serve, and tells {@code done} how it ended.
   */
  public static Behavior<Command> create(
      String run,
      io.splitemu.actors.config.Settings settings,
      SupervisorSetup setup,
      PacingLag lag,
      double speedup,
      int minMembers,
      ActorRef<Supervisor.Finished> done) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                t -> new ClusterRun(ctx, t, run, settings, setup, lag, speedup, minMembers, done)));
  }

  private ClusterRun(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String run,
      io.splitemu.actors.config.Settings settings,
      SupervisorSetup setup,
      PacingLag lag,
      double speedup,
      int minMembers,
      ActorRef<Supervisor.Finished> done) {
    super(ctx);
    this.ctx = ctx;
    this.timers = timers;
    this.run = run;
    this.settings = settings;
    this.setup = setup;
    this.lag = lag;
    this.speedup = speedup;
    this.minMembers = minMembers;
    this.timeouts = io.splitemu.actors.config.ClusterRunSettings.of(settings);
    this.stop = setup.checkpointing() == null ? null : setup.checkpointing().stop();
    this.done = done;
    this.loadReplies = ctx.messageAdapter(ClusterMember.Reply.class, LoadReply::new);
    var cluster = org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem());
    if (ctx.getSystem().settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      // No seed given: this member starts the cluster, and the nodes join at its address.
      cluster
          .manager()
          .tell(org.apache.pekko.cluster.typed.Join.create(cluster.selfMember().address()));
    }
    // This member has no devices role: the region is a proxy to the devices members' entities.
    this.region =
        ClusterMember.devices(ctx.getSystem(), id -> Behaviors.empty(), r -> false, line -> {});
    ctx.getSystem()
        .receptionist()
        .tell(
            Receptionist.subscribe(
                ClusterMember.KEY,
                ctx.messageAdapter(
                    Receptionist.Listing.class,
                    l -> new Members(List.copyOf(l.getServiceInstances(ClusterMember.KEY))))));
    org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, ClusterRun::changed),
                ClusterEvent.MemberEvent.class));
    timers.startSingleTimer(Tick.JOIN_TIMEOUT, timeouts.joinTimeout());
    if (stop != null) {
      // SIGTERM before the supervisor starts (waiting, loading, placing) ends the run at once; from
      // then on the supervisor reads the switch at its round boundaries.
      timers.startTimerWithFixedDelay(Tick.STOP_POLL, Duration.ZERO, STOP_POLL);
    }
    // A message this JVM sends (a placement, a command through the proxy) that Artery drops for a
    // full queue: the run ends through the supervisor, with its cluster-failure row.
    ActorRef<org.apache.pekko.actor.Dropped> drops =
        ctx.messageAdapter(
            org.apache.pekko.actor.Dropped.class, d -> new Overflowed(RunGuardian.overflowed(d)));
    Adapter.toClassic(ctx.getSystem())
        .getEventStream()
        .subscribe(Adapter.toClassic(drops), org.apache.pekko.actor.Dropped.class);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Members.class, this::onMembers)
        .onMessage(LoadReply.class, this::onLoadReply)
        .onMessageEquals(Tick.JOIN_TIMEOUT, this::onJoinTimeout)
        .onMessageEquals(Tick.LOAD_TIMEOUT, this::onLoadTimeout)
        .onMessageEquals(Tick.STOP_POLL, this::onStopPoll)
        .onMessageEquals(Tick.REGIONS, this::askRegions)
        .onMessageEquals(Tick.PLACING, this::onPlacingTick)
        .onMessageEquals(Tick.SUPERVISOR_TIMEOUT, this::onSupervisorTimeout)
        .onMessage(Regions.class, this::onRegions)
        .onMessage(SupervisorUp.class, this::onSupervisorUp)
        .onMessage(MemberFailed.class, m -> toSupervisor(m.reason()))
        .onMessage(Overflowed.class, this::onOverflowed)
        .onMessage(DeviceStarted.class, this::onDeviceStarted)
        .onMessage(DeviceRelocated.class, this::onDeviceRelocated)
        .onMessage(DeviceHandedOff.class, this::onDeviceHandedOff)
        .onMessage(MemberChanged.class, this::onMemberChanged)
        .onMessage(Done.class, this::onDone)
        .onMessage(WirePipeline.class, this::onWirePipeline)
        .onMessage(SettlePlacement.class, this::onSettlePlacement)
        .onMessageEquals(Tick.SETTLE, this::onSettleTimeout)
        .onMessage(Reload.class, this::onReload)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onMembers(Members m) {
    List<ActorRef<ClusterMember.Command>> found = m.loaders();
    if (!loading && found.size() < minMembers - 1) {
      return this;
    }
    if (!loading && !finished) {
      // Enough members joined: loading has a budget of its own.
      timers.cancel(Tick.JOIN_TIMEOUT);
      timers.startSingleTimer(Tick.LOAD_TIMEOUT, timeouts.loadTimeout());
    }
    loading = true;
    // The first listing's members, and every member that joins later (or comes back as a new
    // incarnation at the same address): the shard coordinator gives device shards to every
    // devices region, a late member's among them (DeviceAllocation), and an entity on a member that
    // does not hold the run stops at once; so a lost member's devices re-created there would never
    // start.
    for (ActorRef<ClusterMember.Command> loader : found) {
      if (!finished && sentLoad.add(loader)) {
        loaders.put(ClusterMember.hostPort(loader.path().address()), loader);
        load(loader);
      }
    }
    return this;
  }

  private void load(ActorRef<ClusterMember.Command> loader) {
    loader.tell(
        new ClusterMember.Load(
            run,
            settings.resolved(),
            settings.scenarioFile().toAbsolutePath().toString(),
            ctx.getSelf(),
            loadReplies));
  }

  private Behavior<Command> onReload(Reload r) {
    ActorRef<ClusterMember.Command> loader = loaders.get(r.member());
    if (!finished && loader != null && !lost.contains(r.member())) {
      load(loader);
    }
    return this;
  }

  private Behavior<Command> onLoadReply(LoadReply m) {
    if (m.reply() instanceof ClusterMember.Waiting w) {
      // Not an answer: the member still owes its Loaded, LoadFailed or Busy.
      if (!loaded && !finished) {
        waiting.put(w.member(), w);
      }
      return this;
    }
    if (m.reply() instanceof ClusterMember.PipelineWired w) {
      // One adapter for every answer of a loader: a second one for the same class would replace
      // it, and a member's late load would be taken for a wiring answer (and never wired).
      return onWired(w);
    }
    if (loaded) {
      // A member that joined after the run was loaded: it can host the run's devices now; at the
      // same address as a member lost before, it is a new one, which can be lost in turn.
      if (m.reply() instanceof ClusterMember.Loaded l) {
        roles.put(l.member(), l.roles());
        busySince.remove(l.member());
        removed.remove(l.member());
        if (lost.remove(l.member()) && setup.pipeline() == null) {
          // The lost incarnation's devices live elsewhere now; this one starts with none. (A lost
          // member ends an MP-SL run, whose devices are not re-created: those that started there
          // stay, for the placement rows its end waits for, onSettlePlacement; dropped, they were
          // awaited until Supervisor.PLACEMENT_SETTLE and named by no row.)
          placed.remove(l.member());
        }
        if (wiredTo != null && l.roles().contains("devices") && !finished) {
          // MP-SL: sharding may give it devices as soon as its region serves; they wait for the
          // chains (ClusterMember.device), which the wiring step gave the others already.
          loaders
              .get(l.member())
              .tell(
                  new ClusterMember.WirePipeline(
                      run, wiredHops, wiredTo, loadReplies, resumedPipeline()));
        }
        return this;
      }
      String line;
      if (m.reply() instanceof ClusterMember.Busy b) {
        if (finished) {
          return this;
        }
        // A member that joined as another run started can take that run's load before this
        // one's; that run is refused by this run's members and ends within seconds, so ask again
        // (the devices sharding gives the member wait for the load), for up to the load timeout.
        long now = System.nanoTime();
        Long since = busySince.putIfAbsent(b.member(), now);
        if (since == null) {
          ctx.getLog()
              .warn(
                  "{}; this run asks it again every {} for up to {}"
                      + " (splitemu.cluster-run.load-timeout)",
                  b.line(),
                  Units.exactSeconds(ClusterMember.LOAD_RETRY),
                  Units.exactSeconds(timeouts.loadTimeout()));
        }
        if (since == null || now - since < timeouts.loadTimeout().toNanos()) {
          timers.startSingleTimer(new Reload(b.member()), ClusterMember.LOAD_RETRY);
          return this;
        }
        line =
            b.line()
                + " (it joined during this run, and still served that run after "
                + Units.exactSeconds(timeouts.loadTimeout())
                + ", splitemu.cluster-run.load-timeout)";
      } else if (m.reply() instanceof ClusterMember.LoadFailed f) {
        line =
            "cluster member "
                + f.member()
                + " joined late and could not build the run: "
                + f.reason();
      } else {
        return this;
      }
      if (setup.pipeline() != null && !finished) {
        // MP-SL: the devices sharding gives it would never start, and nothing else would tell.
        return toSupervisor(line);
      }
      ctx.getLog().warn("{}", line);
      return this;
    }
    if (m.reply() instanceof ClusterMember.Busy b) {
      // Another run's supervisor still uses this member: this run fails at once, that one goes on.
      return fail(b.line());
    }
    if (m.reply() instanceof ClusterMember.Loaded l) {
      roles.put(l.member(), l.roles());
    } else if (m.reply() instanceof ClusterMember.LoadFailed f) {
      roles.put(f.member(), List.of());
      loadFailures.add("member " + f.member() + " could not build the run: " + f.reason());
    }
    if (roles.size() < loaders.size()) {
      return this;
    }
    loaded = true;
    if (!loadFailures.isEmpty()) {
      return fail(loadFailures.get(0));
    }
    if (setup.server() != null && firstWith("edge") == null) {
      return fail("no cluster member serves the edge role; start one with --roles edge");
    }
    if (setup.pipeline() != null && firstWith("hops") == null) {
      return fail("no cluster member serves the hops role; start one with --roles hops");
    }
    if (devicesMembers().isEmpty()) {
      return fail("no cluster member serves the devices role; start one with --roles devices");
    }
    return askRegions();
  }

  /**
   * The first member (by address) with {@code role}, or null: the edge server's, or the one that
   * spawns an MP-SL run's hops.
   */
  private String firstWith(String role) {
    for (Map.Entry<String, List<String>> e : roles.entrySet()) {
      if (e.getValue().contains(role)) {
        return e.getKey();
      }
    }
    return null;
  }

  private Set<String> devicesMembers() {
    Set<String> out = new TreeSet<>();
    roles.forEach(
        (member, r) -> {
          if (r.contains("devices")) {
            out.add(member);
          }
        });
    return out;
  }

  /**
   * Asks the shard coordinator which regions it knows: the devices are spread over the members
   * registered when each is first addressed, so the run starts once all are.
   */
  private Behavior<Command> askRegions() {
    ctx.pipeToSelf(
        Patterns.ask(
            Adapter.toClassic(region),
            ShardRegion.getCurrentRegionsInstance(),
            Duration.ofSeconds(5)),
        (answer, error) -> {
          Set<String> members = new TreeSet<>();
          if (answer instanceof ShardRegion.CurrentRegions r) {
            for (Address a : r.getRegions()) {
              members.add(ClusterMember.hostPort(a));
            }
          }
          return new Regions(members);
        });
    return this;
  }

  private Behavior<Command> onRegions(Regions r) {
    if (supervisor != null || singleton != null || finished || placing) {
      return this;
    }
    regionsSeen = r.members();
    if (!r.members().containsAll(devicesMembers())) {
      timers.startSingleTimer(Tick.REGIONS, Duration.ofMillis(200));
      return this;
    }
    timers.cancel(Tick.LOAD_TIMEOUT);
    if (setup.pipeline() != null) {
      return startSupervisor(); // MP-SL's devices start once they hold their hops
    }
    // Every entity starts before the first round: thousands of entity starts (a shard allocation
    // each, a device built from its setup) would otherwise all fall inside round 1's first phase,
    // whose wall-clock watchdog is meant for a stuck host, not for a cluster's start.
    placing = true;
    placeMore();
    timers.startTimerWithFixedDelay(Tick.PLACING, setup.barrierTimeout());
    return this;
  }

  /** Tells {@link Device.Place} to the next devices, up to {@link #PLACE_WINDOW} outstanding. */
  private void placeMore() {
    List<DeviceSetup> all = setup.devices();
    while (placeSent < all.size() && placeSent - placedCount < PLACE_WINDOW) {
      int id = all.get(placeSent++).id();
      region.tell(new ShardingEnvelope<>(run + "/" + id, Device.Place.INSTANCE));
    }
  }

  private Behavior<Command> onOverflowed(Overflowed m) {
    if (m.line() == null || finished || overflowed) {
      return this;
    }
    overflowed = true;
    return toSupervisor(m.line());
  }

  /**
   * The placement watchdog: the run ends with one line if no device started since it last looked.
   */
  private Behavior<Command> onPlacingTick() {
    if (!placing || finished) {
      timers.cancel(Tick.PLACING);
      return this;
    }
    if (placedCount == placedAtLastTick) {
      return fail(
          (setup.devices().size() - placedCount)
              + " of "
              + setup.devices().size()
              + " devices did not start on the devices members within "
              + setup.barrierTimeout().toSeconds()
              + " s (barrier.timeout) of the last one; a member is stuck or overloaded");
    }
    placedAtLastTick = placedCount;
    return this;
  }

  /** Starts the supervisor as the cluster's singleton, and starts the run. */
  private Behavior<Command> startSupervisor() {
    placing = false;
    timers.cancel(Tick.PLACING);
    timers.cancel(Tick.STOP_POLL);
    ActorRef<Command> self = ctx.getSelf();
    String edge = firstWith("edge");
    String hops = firstWith("hops");
    Placement placement =
        new ClusterPlacement(
            run,
            region,
            // MP-SL has no edge server (a member may still hold the edge role).
            setup.server() == null || edge == null ? null : loaders.get(edge),
            hops == null ? null : loaders.get(hops),
            self,
            resumedPipeline());
    Behavior<Supervisor.Command> behavior =
        Behaviors.setup(
            sctx -> {
              self.tell(new SupervisorUp(sctx.getSelf()));
              return Supervisor.create(setup, lag, placement);
            });
    singleton =
        ClusterSingleton.get(ctx.getSystem())
            .init(
                SingletonActor.of(behavior, "supervisor-" + run)
                    .withSettings(
                        ClusterSingletonSettings.create(ctx.getSystem()).withRole("supervisor")));
    singleton.tell(
        new Supervisor.Start(ctx.messageAdapter(Supervisor.Finished.class, Done::new), speedup));
    // The singleton runs on the oldest supervisor-role member: if another JVM holds that place
    // (another run's supervisor), this one never starts here; the run must not wait for it.
    timers.startSingleTimer(Tick.SUPERVISOR_TIMEOUT, timeouts.loadTimeout());
    return this;
  }

  /** The supervisor singleton did not start within the load timeout: the run ends, naming why. */
  private Behavior<Command> onSupervisorTimeout() {
    if (supervisor != null || finished) {
      return this;
    }
    String oldest = null;
    var cluster = org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem());
    org.apache.pekko.cluster.Member best = ClusterMember.oldestUp(cluster, "supervisor");
    if (best != null && !best.equals(cluster.selfMember())) {
      oldest = ClusterMember.hostPort(best.address());
    }
    return end(
        new Supervisor.Finished(
            NOT_STARTED,
            0,
            "the supervisor (Cluster Singleton supervisor-"
                + run
                + ") did not start within "
                + Units.exactSeconds(timeouts.loadTimeout())
                + " (splitemu.cluster-run.load-timeout)"
                + (oldest == null
                    ? ""
                    : "; it starts only on the oldest supervisor member, "
                        + oldest
                        + ", another run's JVM: run one supervisor at a time")));
  }

  private Behavior<Command> onSupervisorUp(SupervisorUp m) {
    timers.cancel(Tick.SUPERVISOR_TIMEOUT);
    supervisor = m.supervisor();
    ctx.watch(supervisor);
    if (setup.pipeline() != null) {
      return tellPipelinePlacement(); // MP-SL's devices start during the run
    }
    // The devices placed before the run: one events.csv row per member.
    placed.forEach(
        (member, ids) ->
            supervisor.tell(new Supervisor.DevicesPlaced(member, List.copyOf(ids), true)));
    return this;
  }

  private Behavior<Command> toSupervisor(String reason) {
    if (supervisor == null) {
      return fail(reason);
    }
    supervisor.tell(new Supervisor.RemoteFailed(reason));
    return this;
  }

  private Behavior<Command> onDeviceRelocated(DeviceRelocated m) {
    relocated.add(m.device());
    if (supervisor != null && !finished) {
      // It lives on that member now, which is up: re-created there from its kept state.
      supervisor.tell(
          new Supervisor.MemberLost(
              "(re-created on " + m.member() + " without its state)",
              List.of(m.device()),
              null,
              m.epoch()));
    }
    return this;
  }

  private Behavior<Command> onDeviceHandedOff(DeviceHandedOff m) {
    if (finished) {
      return this;
    }
    if (setup.pipeline() != null) {
      return onLost(m.member()); // an MP-SL run ends with its member's line
    }
    relocated.add(m.device()); // its shard left the member: retired wherever it is at the end
    if (supervisor != null) {
      supervisor.tell(
          new Supervisor.MemberLost(
              m.member() + " (handed over by sharding as it left the cluster)",
              List.of(m.device()),
              leaving(m.member()),
              m.epoch()));
    }
    return this;
  }

  private Behavior<Command> onDeviceStarted(DeviceStarted m) {
    if (!placed.computeIfAbsent(m.member(), k -> new TreeSet<>()).add(m.device())) {
      return this;
    }
    // A device re-created on a survivor lives there now (retired there at the end).
    placed.forEach(
        (member, ids) -> {
          if (!member.equals(m.member())) {
            ids.remove(m.device());
          }
        });
    if (setup.pipeline() != null) {
      return tellPipelinePlacement();
    }
    if (supervisor != null) { // re-created on a survivor during the run: a row of its own
      supervisor.tell(new Supervisor.DevicesPlaced(m.member(), List.of(m.device()), false));
    } else if (placing && ++placedCount == setup.devices().size()) {
      return startSupervisor();
    } else if (placing) {
      placeMore();
    }
    return this;
  }

  /**
   * MP-SL's devices start during the run, each as epoch 1's start reaches it (a resumed run's next
   * epoch's), in an order that changes from run to run: once every one the run addresses has
   * ({@link PipelineControl#addressed}), the supervisor is told as the other schemes' is before
   * their run, one {@code placement} row per member, members by address and ids ascending. (A lost
   * member ends an MP-SL run: none is started again.)
   */
  private Behavior<Command> tellPipelinePlacement() {
    if (settling != null) {
      return settle(false);
    }
    int started = 0;
    for (Set<Integer> ids : placed.values()) {
      started += ids.size();
    }
    // Every device the run addresses: a resumed run's given up before its checkpoint never start.
    if (supervisor == null
        || pipelinePlacementTold
        || started < PipelineControl.addressedCount(setup.pipeline().plan(), resumedPipeline())) {
      return this;
    }
    pipelinePlacementTold = true;
    placed.forEach(
        (member, ids) ->
            supervisor.tell(new Supervisor.DevicesPlaced(member, List.copyOf(ids), true)));
    return this;
  }

  /**
   * MP-SL, the run's end: the rows not told yet go with the answer, at once if every awaited device
   * has started (or the rows were told), else once they have ({@link #settle}).
   */
  private Behavior<Command> onSettlePlacement(SettlePlacement m) {
    if (setup.pipeline() == null || pipelinePlacementTold) {
      m.replyTo().tell(new Supervisor.PlacementSettled(List.of()));
      return this;
    }
    settling = m;
    timers.startSingleTimer(Tick.SETTLE, Supervisor.PLACEMENT_SETTLE);
    return settle(false);
  }

  private Behavior<Command> onSettleTimeout() {
    return settling == null ? this : settle(true);
  }

  /**
   * Answers the supervisor's {@link SettlePlacement} with one row per member of the devices started
   * so far, once every awaited device is among them or when {@code timedOut}.
   */
  private Behavior<Command> settle(boolean timedOut) {
    Set<Integer> started = new TreeSet<>();
    placed.values().forEach(started::addAll);
    if (!timedOut && !started.containsAll(settling.awaited())) {
      return this;
    }
    if (timedOut) {
      Set<Integer> missing = new TreeSet<>(settling.awaited());
      missing.removeAll(started);
      ctx.getLog()
          .warn(
              "devices {} did not report their start within {}: no placement row names them",
              missing,
              Units.exactSeconds(Supervisor.PLACEMENT_SETTLE));
    }
    timers.cancel(Tick.SETTLE);
    pipelinePlacementTold = true;
    List<Supervisor.DevicesPlaced> rows = new ArrayList<>();
    placed.forEach(
        (member, ids) -> {
          if (!ids.isEmpty()) {
            rows.add(new Supervisor.DevicesPlaced(member, List.copyOf(ids), true));
          }
        });
    settling.replyTo().tell(new Supervisor.PlacementSettled(rows));
    settling = null;
    return this;
  }

  /** MP-SL: every devices member gets the chains; the supervisor hears when all hold them. */
  private Behavior<Command> onWirePipeline(WirePipeline m) {
    wiredTo = m.supervisor();
    wiredHops = List.copyOf(m.hops());
    unwired.addAll(devicesMembers());
    for (String member : devicesMembers()) {
      loaders
          .get(member)
          .tell(
              new ClusterMember.WirePipeline(
                  run, m.hops(), m.supervisor(), loadReplies, resumedPipeline()));
    }
    return this;
  }

  /**
   * MP-SL: the state of the checkpoint a resumed run starts from, from which the members build its
   * hops, devices and links (null: the run's start).
   */
  private PipelineControl.State resumedPipeline() {
    Checkpoint from = setup.checkpointing().resumeFrom();
    return from == null ? null : from.pipeline();
  }

  private Behavior<Command> onWired(ClusterMember.PipelineWired w) {
    if (unwired.remove(w.member()) && unwired.isEmpty()) {
      wiredTo.tell(Supervisor.PipelineWired.INSTANCE);
    }
    return this;
  }

  /** A membership event as this coordinator reads it: which member, and whether it is gone. */
  private static MemberChanged changed(ClusterEvent.MemberEvent e) {
    Address a = e.member().address();
    boolean gone =
        e instanceof ClusterEvent.MemberRemoved
            || e instanceof ClusterEvent.MemberDowned
            || e instanceof ClusterEvent.MemberLeft
            || e instanceof ClusterEvent.MemberExited;
    return new MemberChanged(
        ClusterMember.hostPort(a), gone, e instanceof ClusterEvent.MemberRemoved);
  }

  private Behavior<Command> onMemberChanged(MemberChanged m) {
    if (m.removed()) {
      removed.add(m.member());
      if (supervisor != null && !finished) {
        // After any MemberLost this coordinator told of it: its devices can be re-created now.
        supervisor.tell(new Supervisor.MemberRemoved(m.member()));
      }
    }
    return m.gone() ? onLost(m.member()) : this;
  }

  /**
   * {@code member} if it is not yet removed from the cluster (its shard region may still hold
   * shards, so a lost device's re-creation waits for its removal), else null.
   */
  private String leaving(String member) {
    return removed.contains(member) ? null : member;
  }

  /**
   * A member the run uses is gone: downed by the Split Brain Resolver (an unreachable member it
   * gave up on), or left. A devices-only member's devices leave the run ({@link
   * Supervisor.MemberLost}); any other loss ends it with one line. An unreachable member that comes
   * back before the resolver decides is not lost: the run waits for it.
   */
  private Behavior<Command> onLost(String member) {
    if (!finished && !loaded && loaders.containsKey(member) && !roles.containsKey(member)) {
      // It was told to load the run and is gone before it answered: nothing to wait for.
      lost.add(member);
      return fail(
          "cluster member "
              + member
              + " left the cluster or was downed while it loaded the run (it had not answered)");
    }
    if (finished || !roles.containsKey(member) || !lost.add(member)) {
      return this;
    }
    List<String> r = roles.get(member);
    // An MP-SL device's state is in its entity and its hops' queues: a lost member ends the run.
    if (supervisor != null && r.equals(List.of("devices")) && setup.pipeline() == null) {
      supervisor.tell(
          new Supervisor.MemberLost(
              member, List.copyOf(placed.getOrDefault(member, Set.of())), leaving(member)));
      return this;
    }
    return toSupervisor(
        "cluster member "
            + member
            + " ("
            + String.join(",", r)
            + ") was lost "
            + (singleton == null ? "before the run started" : "during the run"));
  }

  private Behavior<Command> onJoinTimeout() {
    if (loading) {
      return this; // loading has its own timeout
    }
    boolean seeded =
        !ctx.getSystem().settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty();
    boolean tls =
        "tls-tcp"
            .equals(ctx.getSystem().settings().config().getString("pekko.remote.artery.transport"));
    return fail(
        "fewer than "
            + minMembers
            + " cluster members joined within "
            + Units.exactSeconds(timeouts.joinTimeout())
            + " (splitemu.cluster-run.join-timeout); "
            + (seeded
                ? "start them with splitemu node --seed-nodes pointing at a running member"
                : "start them with splitemu node --seed-nodes pointing at this member; members"
                    + " still up from an earlier cluster (an earlier run's supervisor was their"
                    + " seed) do not join this one: restart them, or give this run --seed-nodes"
                    + " HOST:PORT of one of them")
            + (tls
                ? "; with TLS a member whose key or trust store the others refuse never joins: see"
                    + " the `TLS handshake` lines on stderr, and check every member's"
                    + " --tls-keystore and --tls-truststore against the cluster's CA"
                : ""));
  }

  /**
   * Loading took longer than its budget: names the members that did not answer, or the devices
   * members whose shard regions the coordinator does not know.
   */
  private Behavior<Command> onLoadTimeout() {
    if (finished || placing || singleton != null) {
      return this;
    }
    String budget =
        Units.exactSeconds(timeouts.loadTimeout()) + " (splitemu.cluster-run.load-timeout)";
    if (!loaded) {
      Set<String> silent = new TreeSet<>(loaders.keySet());
      silent.removeAll(roles.keySet());
      String line =
          "cluster member"
              + (silent.size() == 1 ? " " : "s ")
              + String.join(", ", silent)
              + " did not answer the run's load within "
              + budget;
      List<String> why = new ArrayList<>();
      Set<String> stuck = new TreeSet<>();
      for (String member : silent) {
        ClusterMember.Waiting w = waiting.get(member);
        if (w == null) {
          stuck.add(member);
        } else {
          // The member is fine: the run it serves has a supervisor that does not answer.
          why.add(
              (silent.size() == 1 ? "it" : member)
                  + " waits for run "
                  + w.heldRun()
                  + " of the supervisor member "
                  + w.supervisor()
                  + (w.unreachable() ? ", which is unreachable" : ", whose run does not answer")
                  + " (a paused, hung or lost JVM: a member serves one run at a time; it is"
                  + " downed after splitemu.cluster.sbr.stable-after once unreachable)");
        }
      }
      if (!stuck.isEmpty()) {
        why.add(
            (stuck.equals(silent)
                    ? silent.size() == 1 ? "it is" : "they are"
                    : String.join(", ", stuck) + (stuck.size() == 1 ? " is" : " are"))
                + " stuck, overloaded or unreachable");
      }
      return fail(line + "; " + String.join("; ", why));
    }
    Set<String> missing = devicesMembers();
    missing.removeAll(regionsSeen);
    return fail(
        "the shard regions of devices member"
            + (missing.size() == 1 ? " " : "s ")
            + String.join(", ", missing)
            + " were not registered within "
            + budget);
  }

  /** A stop request before the supervisor started: the run ends at once, no round having run. */
  private Behavior<Command> onStopPoll() {
    if (finished || singleton != null || !stop.requested()) {
      return this;
    }
    timers.cancel(Tick.STOP_POLL);
    stop.stoppedBeforeStart();
    return fail("stopped before the run started");
  }

  private Behavior<Command> onTerminated(Terminated t) {
    if (t.getRef().equals(supervisor) && !finished) {
      return fail("the supervisor stopped before the run ended");
    }
    return this;
  }

  private Behavior<Command> onDone(Done d) {
    return end(d.finished());
  }

  private Behavior<Command> fail(String reason) {
    return end(new Supervisor.Finished(singleton == null ? NOT_STARTED : -1, 0, reason));
  }

  /** Retires the devices, unloads the members and answers the run's end, once. */
  private Behavior<Command> end(Supervisor.Finished f) {
    if (finished) {
      return this;
    }
    finished = true;
    Set<Integer> gone = new TreeSet<>();
    lost.forEach(m -> gone.addAll(placed.getOrDefault(m, Set.of())));
    gone.removeAll(relocated); // re-created on a survivor: retired there like the others
    List<Integer> ids = new ArrayList<>();
    setup.devices().forEach(d -> ids.add(d.id()));
    for (int d = 0; setup.pipeline() != null && d < setup.pipeline().plan().devices(); d++) {
      ids.add(d); // MP-SL's devices are the plan's, not the setup's
    }
    for (int id : ids) {
      if (!gone.contains(id)) { // a lost member's shards are not brought back to retire them
        region.tell(new ShardingEnvelope<>(run + "/" + id, Device.Retire.INSTANCE));
      }
    }
    loaders.forEach(
        (member, l) -> {
          if (!lost.contains(member)) {
            l.tell(new ClusterMember.Unload(run));
          }
        });
    done.tell(f);
    return this;
  }

  /**
   * Devices as sharded entities, the edge server spawned by an {@code edge} member, MP-SL's hops by
   * a {@code hops} member.
   */
  private static final class ClusterPlacement implements Placement {
    private final String run;
    private final ActorRef<ShardingEnvelope<Device.Command>> region;
    private final ActorRef<ClusterMember.Command> edge;
    private final ActorRef<ClusterMember.Command> hops;
    private final ActorRef<Command> coordinator;
    private final PipelineControl.State resumed;

    /**
     * {@code resumed}: MP-SL, the state a resumed run's hops start from (null: the run's start).
     */
    ClusterPlacement(
        String run,
        ActorRef<ShardingEnvelope<Device.Command>> region,
        ActorRef<ClusterMember.Command> edge,
        ActorRef<ClusterMember.Command> hops,
        ActorRef<Command> coordinator,
        PipelineControl.State resumed) {
      this.run = run;
      this.region = region;
      this.edge = edge;
      this.hops = hops;
      this.coordinator = coordinator;
      this.resumed = resumed;
    }

    @Override
    public boolean placeHops(
        ActorContext<Supervisor.Command> ctx, ActorRef<ComputeHop.Reply> replies) {
      hops.tell(new ClusterMember.SpawnHops(run, replies, ctx.getSelf(), resumed));
      return true;
    }

    @Override
    public void wirePipeline(
        ActorContext<Supervisor.Command> ctx, List<ActorRef<ComputeHop.Command>> placed) {
      coordinator.tell(new WirePipeline(placed, ctx.getSelf()));
    }

    @Override
    public ActorRef<Device.Command> device(
        ActorContext<Supervisor.Command> ctx, int id, Behavior<Device.Command> local) {
      if (edge != null) {
        // The device's forwarder lives on the edge member (ClusterMember.forwarder), where
        // nearly every command to a device comes from: the edge server's requests and gradients
        // cross once, to the device's member, not through this JVM. It is spawned with the edge
        // server, before anything is sent to it; its path is known, so no reference travels.
        return ActorRefResolver.get(ctx.getSystem())
            .resolveActorRef(
                edge.path().child(ClusterMember.forwarderName(run, id)).toSerializationFormat());
      }
      // MP-SL (no edge member): a forwarder here, as its devices are addressed from here.
      return ctx.spawn(ClusterMember.forwarder(region, run, id), "device-" + id);
    }

    @Override
    public boolean settlePlacement(ActorContext<Supervisor.Command> ctx, Set<Integer> awaited) {
      if (hops == null) {
        return false; // placed before the run: every row was told as it started
      }
      coordinator.tell(new SettlePlacement(awaited, ctx.getSelf()));
      return true;
    }

    @Override
    public boolean rejoinsLostDevices() {
      return edge != null; // MP-SL: a lost member ends the run
    }

    @Override
    public ActorRef<EdgeServer.Command> server(
        ActorContext<Supervisor.Command> ctx,
        Behavior<EdgeServer.Command> local,
        ActorRef<Recorder.Command> recorder) {
      edge.tell(new ClusterMember.SpawnServer(run, recorder, ctx.getSelf()));
      return null;
    }
  }
}
