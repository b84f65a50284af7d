package io.splitemu.actors.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.metrics.MemberMetrics;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.FailoverToken;
import io.splitemu.actors.results.FolderLock;
import io.splitemu.actors.runtime.ClusterMember;
import io.splitemu.model.wire.ClusterMessage;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * {@code splitemu run --cluster --failover}: a lease on a results folder, held by one of the JVMs
 * started with the same {@code --out}. Each joins the cluster with a small member of role {@value
 * #ROLE} of its own, beside the run's supervisor member, and asks for the same Cluster Singleton,
 * named after the folder. The JVM where the singleton runs holds the lease and runs the run
 * (resuming from the folder's newest checkpoint if it has one); the others stand by. When the
 * holder's JVM is lost (downed by the Split Brain Resolver) or leaves, the singleton moves to a
 * standby, which then resumes the run from the newest checkpoint. A standby that sees the run end
 * ({@value #ENDED} in the folder, written by the holder however its run ended, with its exit
 * status) exits without running it, with that status.
 *
 * <p>The holder also takes the folder's {@link FolderLock} once it holds the lease, so a plain
 * {@code run --resume} or {@code --out} on the folder is refused while it runs; a successor waits
 * for the lock, so that a holder cut off but still alive (stopped, say) never writes beside it.
 *
 * <p>Where the file system has no locks across machines, the lock does not keep a successor from a
 * holder cut off but alive: the holder's {@link FailoverToken} does, in the folder ({@link
 * #takeOver}). The holder reads it before each checkpoint, summary and end marker it writes, and
 * once it names another holder it writes nothing more and its run ends.
 *
 * <p>The lease is kept while its run goes on: the singleton moves only once the singleton actor
 * stops, and the holder's one takes the stop message ({@link Release}, sent when an older member
 * asks for the singleton, as when two JVMs join at once) only when the run has ended. So two JVMs
 * never run the same folder; a lost holder's lease moves once the resolver has downed it.
 */
final class Failover implements AutoCloseable {

  /** The role of the lease members (no run actor is placed on them). */
  static final String ROLE = "standby";

  private static final Duration POLL = Duration.ofMillis(250);

  /** How long the lease member may take to join (as a run's members: ClusterRun's). */
  private static final Duration JOIN = Duration.ofSeconds(120);

  /** The file of the results folder that says its run ended on the JVM that held the lease. */
  static final String ENDED = ".failover-ended";

  private volatile boolean closing;

  /** The lease's messages: the singleton's stop message, and the end of this JVM's run. */
  enum Release implements ClusterMessage {
    /** Give the lease up (the singleton manager's stop message): once the run has ended. */
    ASKED,
    /** This JVM's run has ended: give the lease up if asked. */
    RUN_ENDED
  }

  private final ActorSystem<Void> system;
  private final CompletableFuture<ActorRef<Release>> holding;

  private Failover(ActorSystem<Void> system, CompletableFuture<ActorRef<Release>> holding) {
    this.system = system;
    this.holding = holding;
  }

  /**
   * Joins the cluster of {@code runMember} (the run's supervisor member's configuration) with a
   * lease member on a port of its own, and asks for the lease on {@code dir}; {@code onLease} runs
   * as this JVM takes it, before anything learns that it holds it (the run's SIGTERM handler is
   * installed there: a SIGTERM from then on is the user's stop of the run).
   */
  static Failover join(Config runMember, Path dir, Runnable onLease) {
    Config config =
        runMember
            .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(ROLE)))
            .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(0))
            // Two cluster systems in this JVM (this and the run's supervisor member): each
            // registers its Cluster MBean under a name of its own, with no warning.
            .withValue(
                "pekko.cluster.jmx.multi-mbeans-in-same-jvm", ConfigValueFactory.fromAnyRef(true));
    CompletableFuture<ActorRef<Release>> holding = new CompletableFuture<>();
    // The singleton's behavior is built where it runs: on the holder's JVM, it completes that
    // JVM's future, and stops once both its run has ended and the lease was asked for.
    Behavior<Release> lease =
        Behaviors.setup(
            ctx -> {
              onLease.run();
              holding.complete(ctx.getSelf());
              boolean[] asked = {false};
              boolean[] ended = {false};
              return Behaviors.receive(Release.class)
                  .onMessage(
                      Release.class,
                      r -> {
                        asked[0] |= r == Release.ASKED;
                        ended[0] |= r == Release.RUN_ENDED;
                        return asked[0] && ended[0] ? Behaviors.stopped() : Behaviors.same();
                      })
                  .build();
            });
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "splitemu", config);
    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(lease, leaseName(dir))
                .withStopMessage(Release.ASKED)
                .withSettings(ClusterSingletonSettings.create(system).withRole(ROLE)));
    return new Failover(system, holding);
  }

  /** The singleton's name: the folder's absolute path, hashed (every JVM sees the same path). */
  static String leaseName(Path dir) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest(dir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return "run-lease-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until this JVM holds the lease (null), or the run in {@code dir} has ended on another
   * JVM: then the exit status that JVM recorded in {@value #ENDED}. Says once on {@code err} that
   * it stands by.
   */
  Integer await(Path dir, PrintWriter err) throws InterruptedException {
    boolean said = false;
    long joinBy = System.nanoTime() + JOIN.toNanos();
    while (true) {
      Integer ended = endedStatus(dir);
      if (ended != null) {
        return ended;
      }
      if (Cluster.get(system).selfMember().status() != MemberStatus.up()
          && System.nanoTime() > joinBy) {
        throw new UserException(
            "--failover: this JVM's lease member did not join the cluster within "
                + JOIN.toSeconds()
                + " s; --seed-nodes must name a running splitemu node");
      }
      try {
        holding.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
        return endedStatus(dir);
      } catch (java.util.concurrent.TimeoutException waiting) {
        String holder = said ? null : otherHolder();
        if (holder != null) {
          err.println(
              "splitemu run: standing by for "
                  + dir
                  + " (--failover): the JVM of member "
                  + holder
                  + " runs it; this one resumes it from its newest checkpoint if that JVM is lost");
          err.flush();
          said = true;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e);
      }
      if (system.whenTerminated().isCompleted()) {
        throw new UserException(
            "--failover: this JVM's lease member left the cluster while standing by (downed?)");
      }
    }
  }

  /**
   * With metrics on ({@code ms}), serves this JVM's endpoint from now on rather than only once it
   * holds the lease (a standby would be a down target for the whole run): its JVM's series and its
   * lease member's {@code splitemu_member_info} with role {@value #ROLE} (node {@code supervisor}
   * unless {@code metrics.node} names it) and its view of the cluster. The run, once this JVM holds
   * the lease, serves its series on the same endpoint; close the returned member series before it
   * starts (its supervisor member's take their names). Null with metrics off, or where the port
   * cannot be bound (another standby on this host serving it, say): one line on {@code err} says
   * so, and the run binds it once this JVM holds the lease, as before 2026-12-07 (when such a
   * standby ended instead).
   */
  MemberMetrics serveWhileStandingBy(MetricsSettings ms, PrintWriter err) {
    Metrics endpoint = standbyEndpoint(ms, err);
    if (endpoint == null) {
      return null;
    }
    String node = ms.node().equals(MetricsSettings.OFF.node()) ? "supervisor" : ms.node();
    return MemberMetrics.register(
        endpoint.registry(),
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system),
        node,
        List.of(ROLE),
        () -> 0);
  }

  /**
   * {@link Metrics#shared} for a standby: null with metrics off, or with one line on {@code err}
   * where its port cannot be bound (two --failover JVMs on one host with one fixed metrics.port:
   * the first serves it); its other failures are thrown.
   */
  static Metrics standbyEndpoint(MetricsSettings ms, PrintWriter err) {
    if (!ms.enabled()) {
      return null;
    }
    try {
      return Metrics.shared(ms);
    } catch (SettingsException e) {
      String why = Metrics.unbound(e);
      if (why == null) {
        throw e;
      }
      err.println(
          "splitemu run: metrics endpoint not served while standing by (--failover): "
              + why
              + "; it is served once this JVM holds the run");
      err.flush();
      return null;
    }
  }

  /**
   * The address of the lease member that holds the lease (the oldest up member of role {@value
   * #ROLE}, as the singleton places it) once this one is up and is not it, else null.
   */
  private String otherHolder() {
    Cluster cluster = Cluster.get(system);
    Member self = cluster.selfMember();
    if (self.status() != MemberStatus.up()) {
      return null;
    }
    Member oldest = ClusterMember.oldestUp(cluster, ROLE);
    return oldest == null || oldest.equals(self)
        ? null
        : oldest.address().host().get() + ":" + oldest.address().port().get();
  }

  /**
   * While this JVM runs the run: should its lease member leave the cluster (downed), the lease may
   * move to a standby that resumes the run into the same folder, so this JVM ends at once with one
   * line on {@code err} rather than write there too.
   */
  void fence(PrintWriter err) {
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              if (!closing) {
                err.println(
                    "splitemu run: this JVM's lease member left the cluster (downed?) while it ran"
                        + " the run; exiting at once, a standby may resume it (--failover)");
                err.flush();
                Runtime.getRuntime().halt(1);
              }
            });
  }

  /**
   * Once this JVM holds the lease: locks {@code dir} (creating it if missing), waiting while
   * another process holds it, with one line on {@code err}: the JVM that held the lease before, cut
   * off but not yet ended (stopped, say; its fence ends it once it learns it was downed), or a
   * plain {@code --resume}. Whatever that process wrote is in the folder before this JVM reads it.
   */
  static FolderLock.Held lock(Path dir, PrintWriter err) throws InterruptedException {
    boolean said = false;
    while (true) {
      try {
        return FolderLock.takeCreating(dir, false);
      } catch (FolderLock.InUse e) {
        if (!said) {
          err.println(
              "splitemu run: holding the lease on "
                  + dir
                  + " (--failover); waiting for the process that holds "
                  + dir.resolve(FolderLock.FILE)
                  + " to end (the JVM that held the lease before, or a --resume) before taking"
                  + " the run over");
          err.flush();
          said = true;
        }
        Thread.sleep(POLL.toMillis());
      }
    }
  }

  /**
   * Once this JVM holds the lease and {@code dir}'s lock: writes the folder's {@link FailoverToken}
   * (a generation above the one found there, this JVM's lease member and a nonce), before it reads
   * anything there. Should a later write find another holder's token, one line on {@code err} names
   * it.
   */
  FailoverToken takeOver(Path dir, PrintWriter err) {
    Member self = Cluster.get(system).selfMember();
    return take(dir, self.address().host().get() + ":" + self.address().port().get(), err);
  }

  /**
   * Writes {@code dir}'s {@link FailoverToken} for {@code member}; should a later write find
   * another holder's token, one line on {@code err} names it.
   */
  static FailoverToken take(Path dir, String member, PrintWriter err) {
    return FailoverToken.take(
        dir,
        member,
        (mine, now) -> {
          err.println(takenOverLine(dir, mine.generation(), now));
          err.flush();
        });
  }

  /**
   * The line of a holder (of generation {@code mine}) whose folder another holder took over: {@code
   * now} names it.
   */
  static String takenOverLine(Path dir, long mine, FailoverToken.Holder now) {
    return "splitemu run: "
        + dir
        + (now.known()
            ? " was taken over by "
                + (now.generation() > mine ? "a newer" : "another")
                + " holder (generation "
                + now.generation()
                + ", member "
                + now.member()
                + ")"
            : " no longer holds this JVM's --failover token ("
                + dir.resolve(FailoverToken.FILE)
                + " is gone or unreadable)")
        + "; this JVM writes nothing more to it";
  }

  /**
   * The exit status recorded in {@code dir}'s {@value #ENDED}, or null if there is none; an
   * unreadable file (not {@code exit N}) is taken for a failure, 1.
   */
  static Integer endedStatus(Path dir) {
    Path f = dir.resolve(ENDED);
    if (!Files.exists(f)) {
      return null;
    }
    try {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("exit (\\d{1,3})")
              .matcher(Files.readString(f, StandardCharsets.UTF_8).strip());
      return m.matches() ? Integer.parseInt(m.group(1)) : 1;
    } catch (java.io.IOException e) {
      return 1;
    }
  }

  /**
   * Says in {@code dir} that its run ended here with {@code status}: standbys exit with it. Not if
   * this JVM's lease member was downed meanwhile (the lease may have moved: the successor resumes
   * the run, and the fence ends this JVM), nor once a newer holder's token is in the folder (one
   * read of it).
   */
  void ended(Path dir, int status) {
    MemberStatus self = Cluster.get(system).selfMember().status();
    if (system.whenTerminated().isCompleted()
        || self == MemberStatus.down()
        || self == MemberStatus.removed()) {
      return;
    }
    if (!FailoverToken.mayWrite(dir)) {
      return;
    }
    // Whole or not at all (a temporary file of this process, renamed): a standby reads the status.
    CsvTable.writeAtomically(dir.resolve(ENDED), "exit " + status + "\n");
  }

  /** Leaves the cluster: the lease moves to a standby if this JVM held it. */
  @Override
  public void close() {
    closing = true;
    if (holding.isDone()) {
      holding.join().tell(Release.RUN_ENDED);
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Leaving is best effort: the Split Brain Resolver downs a member that did not.
    }
  }
}
