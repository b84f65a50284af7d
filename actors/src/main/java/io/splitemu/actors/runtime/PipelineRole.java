package io.splitemu.actors.runtime;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.pipeline.PipelinePlan;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A {@link Device}'s part in an MP-SL pipeline, without an actor of its own: the device holds the
 * head (first units) and the tail (last units, the loss and the labels) and its processor, and
 * keeps one batch in flight through the hops of its lane. All its work is local, so it answers
 * every hop message as soon as it has it; the hops rely on that for their conservative
 * synchronisation.
 *
 * <p>Every upload (activations to the first hop, the tail's gradient to the last, head and tail to
 * the supervisor's FedAvg barrier) goes into its lane of the uplink channel ({@link LinkChannel}),
 * stamped there with the emulated arrival; every download (the last hop's activations, the first
 * hop's gradient, the aggregate) comes from the downlink channel with its send and arrival
 * instants. The uplink's receipt ({@link Device.Receipt}) tells it its upload times and, when it
 * hangs, that the upload was withheld: it then tells its lane's hops ({@link ComputeHop.Withdraw})
 * and the supervisor ({@link Supervisor.EpochMissed}) that no more will come. A link fault without
 * an end in sight (docs/faults.md "Link faults on mpsl") silences it the same way: an upload whose
 * receipt, or a download whose stamp, says it never arrives ({@link LinkTiming#NEVER}).
 */
final class PipelineRole {

  /**
   * Everything a pipeline device is built from: it serves {@code batches} batches per epoch through
   * the chain {@code lane}, uploads into its lane ({@code id}) of {@code uplinks}, falls silent in
   * the windows {@code silences} (its hangs and crashes) and computes slowed in the windows {@code
   * slowdowns}. A resumed run's device starts with its processor free at {@code cpuFreeAtNs} and,
   * if {@code hung}, hung (given up in an epoch before the checkpoint); at the run's start these
   * are 0 and false. {@code uplink} and {@code downlink} are the device's own links (its lanes of
   * the channels): each epoch's start is told to them ({@link LinkTiming#roundStarted}, the
   * scenario's link faults at {@code round = R} take the device's start of epoch R), and a transfer
   * on them that never arrives silences the device from the instant they went down for good. {@code
   * dropForRound} (survival.absent = drop-for-round): a device given up is given up for that epoch
   * only, asked again at its next epoch start, where a silence over by then lets it download the
   * aggregate and take part again. {@code downlinkElsewhere}: its lane's downlink channel is on
   * another member (on a cluster, the hops'), whose copy of its downlink carries its downloads:
   * {@code downlink}, this member's copy, takes that link's state from each download ({@link
   * Device.PipelineDownload}), and the epoch's first job (or a rejoining device's request for the
   * aggregate) carries the round starts told to it, which the hops tell their copy before anything
   * of the epoch goes down it.
   */
  record Setup(
      int id,
      int batches,
      PipelinePlan.DeviceCosts costs,
      List<ActorRef<ComputeHop.Command>> lane,
      ActorRef<Supervisor.Command> supervisor,
      LinkChannel uplinks,
      List<Window> silences,
      List<Slow> slowdowns,
      long cpuFreeAtNs,
      boolean hung,
      LinkTiming uplink,
      LinkTiming downlink,
      boolean dropForRound,
      boolean downlinkElsewhere) {

    Setup {
      silences = List.copyOf(silences);
      slowdowns = List.copyOf(slowdowns);
    }
  }

  /**
   * When a device fault holds: from the start of the device's epoch {@code fromRound} or from the
   * emulated instant {@code fromNs}, until the start of its epoch {@code untilRound} or its first
   * epoch start at or after {@code untilNs}, for a silence, and until the instant itself for a
   * slowdown. An unused bound is -1; a window without an end has both ends -1.
   */
  record Window(int fromRound, long fromNs, int untilRound, long untilNs) {

    /** Whether a silence is over at the device's start {@code startNs} of epoch {@code e}. */
    boolean overAt(int e, long startNs) {
      return (untilRound > 0 && e >= untilRound) || (untilNs >= 0 && startNs >= untilNs);
    }
  }

  /** A {@code device-slowdown} (fault {@code key} of the list): compute {@code factor} x slower. */
  record Slow(int key, Window when, double factor) {}

  private final Setup s;
  private final ActorRef<Device.Command> self;
  // The lane's chain, its first and last hop (a hop crash gives another chain).
  private List<ActorRef<ComputeHop.Command>> lane;
  private ActorRef<ComputeHop.Command> first;
  private ActorRef<ComputeHop.Command> last;
  // Bytes to upload before the next epoch's first batch (a hop crash moved units), or 0.
  private long moveBytes;
  private final ComputeTiming cpu;
  // Its silences not over yet (a hung device keeps them under drop-for-run: it is given up for the
  // run).
  private final List<Window> silences;
  // Each slowdown's window as resolved so far, by key: the bounds met at the device's epoch starts.
  private final java.util.Map<Integer, long[]> slowBounds = new java.util.TreeMap<>();
  private int epoch;
  private int batch;
  // What the device spent this epoch, charged as a barrier device's is.
  private final DeviceClock clock = new DeviceClock();
  private boolean hung;
  private int forwardSent;
  private int backwardSent;

  PipelineRole(Setup setup, ActorRef<Device.Command> self) {
    this.s = setup;
    this.self = self;
    chain(setup.lane());
    EmulatedCpu own = new EmulatedCpu("device-" + setup.id());
    this.cpu = setup.slowdowns().isEmpty() ? own : new SlowedCpu(own);
    cpu.restoreFreeAt(setup.cpuFreeAtNs());
    this.silences = new java.util.ArrayList<>(setup.silences());
    this.hung = setup.hung();
    if (setup.uplink() != null) {
      // A resumed run's links come back with the bytes they lost before: charged then.
      clock.lostSeen(setup.uplink().lostBytes(), setup.downlink().lostBytes());
    }
  }

  private void chain(List<ActorRef<ComputeHop.Command>> hops) {
    this.lane = hops;
    this.first = hops.get(0);
    this.last = hops.get(hops.size() - 1);
  }

  /** Handles one of the device's pipeline messages; a hung device no longer computes. */
  void on(Device.Pipelined m) {
    if (m instanceof Device.PipelineDownload x && s.downlinkElsewhere() && s.downlink() != null) {
      // Every download, read or not (a hung device's, one of an earlier epoch), as the one link
      // would have carried it in one JVM.
      s.downlink().follow(x.downForGoodNs(), x.lostBytes());
    }
    if (m instanceof Device.StartEpoch e) {
      start(e);
    } else if (m instanceof Device.Rechain r) {
      chain(r.lane());
      moveBytes = r.moveBytes();
      if (r.cpuFreeAtNs() >= 0) {
        cpu.restoreFreeAt(r.cpuFreeAtNs());
      }
    } else if (m instanceof Device.UnitsMoved u) {
      if (!hung && u.epoch() == epoch) {
        sendForward(u.arrivalNs());
      }
    } else if (m instanceof Device.AggregateFetched a) {
      if (!hung && a.epoch() == epoch) {
        fetched(a);
      }
    } else if (m instanceof Device.Receipt u) {
      receipt(u);
    } else if (m instanceof Device.Aggregated a) {
      // An aggregate that never arrives (its downlink cut off for good) is reported as such: the
      // device starts no next epoch (PipelineControl gives it up there, as hung at its start).
      long at =
          a.arrivalNs() == LinkTiming.NEVER
              ? LinkTiming.NEVER
              : downloaded(a.atNs(), a.arrivalNs(), s.costs().modelBytes());
      Device.RoundStats spent = clock.stats();
      s.supervisor()
          .tell(
              new Supervisor.ModelReceived(
                  s.id(),
                  epoch,
                  at,
                  spent.computeNs(),
                  spent.uplinkNs(),
                  spent.downlinkNs(),
                  spent.bytesUp(),
                  spent.bytesDown()));
    } else if (m instanceof Device.SaveLinks) {
      // Asked at a checkpoint on a cluster, hung or not: its links live on this member.
      s.supervisor()
          .tell(
              new Supervisor.LinksSaved(
                  s.id(),
                  s.uplink() == null ? new long[0] : s.uplink().saveState(),
                  s.downlink() == null
                      ? LinkTiming.NO_ROUND_STARTS
                      : s.downlink().keptRoundStarts()));
    } else if (hung) {
      return;
    } else if (m instanceof Device.ForwardDone f) {
      if (f.epoch() != epoch) {
        return; // for jobs sent before the device was given up in an earlier epoch
      }
      if (f.arrivalNs() == LinkTiming.NEVER && hangsBy(f.arrivalNs())) {
        return; // never arrives: the device's downlink is cut off for good
      }
      long arrived = downloaded(f.emittedNs(), f.arrivalNs(), s.costs().tailCutBytes());
      long tailEnd = end(arrived, s.costs().tailS());
      upload(Device.Payload.TAIL_GRADIENT, tailEnd, s.costs().tailCutBytes(), last, f.batch());
    } else if (m instanceof Device.BackwardDone b) {
      if (b.epoch() != epoch) {
        return;
      }
      if (b.arrivalNs() == LinkTiming.NEVER && hangsBy(b.arrivalNs())) {
        return;
      }
      long arrived = downloaded(b.emittedNs(), b.arrivalNs(), s.costs().cutBytes());
      long headEnd = end(arrived, s.costs().headBackwardS());
      batch++;
      if (batch < s.batches()) {
        sendForward(headEnd);
      } else {
        int e = epoch;
        int me = s.id();
        send(
            Device.Payload.MODEL,
            headEnd,
            s.costs().modelBytes(),
            s.supervisor(),
            ns -> new Supervisor.EpochFinished(me, e, headEnd, ns));
      }
    }
  }

  /**
   * Whether a message arriving at {@code instantNs} falls after the hang; the first time it does,
   * the device withdraws from its lane's hops and the epoch's barrier.
   */
  private boolean hangsBy(long instantNs) {
    if (!hung
        && (instantNs >= hangAtNs() || epoch >= hangEpoch() || instantNs == LinkTiming.NEVER)) {
      hung = true;
      for (ActorRef<ComputeHop.Command> h : lane) {
        h.tell(
            new ComputeHop.Withdraw(epoch, s.id(), forwardSent, backwardSent, !s.dropForRound()));
      }
      // Silent since its hang, or since its link went down for good (a transfer that never
      // arrives: an outage or partition without an end in sight), whichever came first.
      long since = epoch >= hangEpoch() ? -1 : Math.min(hangAtNs(), cutNs());
      s.supervisor().tell(new Supervisor.EpochMissed(s.id(), epoch, since));
    }
    return hung;
  }

  /** The first epoch from whose start a silence holds (MAX_VALUE: none). */
  private int hangEpoch() {
    int e = Integer.MAX_VALUE;
    for (Window w : silences) {
      if (w.fromRound() > 0) {
        e = Math.min(e, w.fromRound());
      }
    }
    return e;
  }

  /** The first instant from which a silence holds (MAX_VALUE: none). */
  private long hangAtNs() {
    long at = Long.MAX_VALUE;
    for (Window w : silences) {
      if (w.fromRound() <= 0) {
        at = Math.min(at, w.fromNs());
      }
    }
    return at;
  }

  /**
   * The device's start {@code startNs} of epoch {@code e}: a silence whose end it reaches is over
   * (unless the device was given up already under drop-for-run: it stays out), and the slowdowns'
   * bounds at epoch starts are met. A bound of an epoch before the first start this device sees (a
   * resumed run's) lies before every computation left, so it is taken as 0.
   */
  private void epochStarts(int e, long startNs) {
    if (!hung) {
      silences.removeIf(w -> w.overAt(e, startNs));
    }
    // A window at = T, until-round = e whose end this start reaches at or before T never holds.
    silences.removeIf(w -> w.fromRound() <= 0 && w.untilRound() == e && startNs <= w.fromNs());
    for (Slow slow : s.slowdowns()) {
      Window w = slow.when();
      long[] b =
          slowBounds.computeIfAbsent(
              slow.key(),
              k ->
                  new long[] {
                    w.fromRound() > 0 ? -1 : w.fromNs(),
                    w.untilRound() > 0 ? -1 : w.untilNs() >= 0 ? w.untilNs() : Long.MAX_VALUE
                  });
      // An epoch's start met again (an epoch redone after a hop crash, or the run restored to an
      // earlier epoch after a crash) sets that epoch's bound anew and forgets the later ones.
      if (w.fromRound() > 0) {
        b[0] = bound(w.fromRound(), e, startNs, b[0]);
      }
      if (w.untilRound() > 0) {
        b[1] = bound(w.untilRound(), e, startNs, b[1]);
      }
      if (b[0] >= 0) {
        ((SlowedCpu) cpu).window(slow.key(), b[0], b[1] < 0 ? Long.MAX_VALUE : b[1], slow.factor());
      } else {
        ((SlowedCpu) cpu).clear(slow.key());
      }
    }
  }

  /**
   * A window's bound at the start of epoch {@code round}, seen at the device's start {@code
   * startNs} of epoch {@code e}: that start if it is the bound's epoch, unknown (-1) for a later
   * epoch, and for an earlier one the instant met then ({@code met}), or 0 if this device never met
   * it (a resumed device: the bound lies before every computation left).
   */
  private static long bound(int round, int e, long startNs, long met) {
    if (round == e) {
      return startNs;
    }
    return round > e ? -1 : met >= 0 ? met : 0;
  }

  /** When the device's links went down for good ({@link LinkTiming#NEVER}: they did not). */
  private long cutNs() {
    long up = s.uplink() == null ? LinkTiming.NEVER : s.uplink().downForGoodNs();
    long down = s.downlink() == null ? LinkTiming.NEVER : s.downlink().downForGoodNs();
    return Math.min(up, down);
  }

  private void start(Device.StartEpoch m) {
    epoch = m.epoch();
    forwardSent = 0;
    backwardSent = 0;
    if (s.dropForRound()) {
      hung = false; // every epoch asks the device again
    }
    epochStarts(m.epoch(), m.startNs());
    // Under drop-for-round the links learn every epoch start, a silent device's too (as the
    // barrier engines' links do): a link fault at that epoch's start is placed there for the
    // epochs in which it takes part again.
    boolean told = s.dropForRound() && m.startNs() != LinkTiming.NEVER;
    if (told) {
      roundStarted(m.startNs());
    }
    // A start NEVER: the previous aggregate never arrived (the downlink is cut off).
    if (hangsBy(m.startNs())) {
      return;
    }
    if (!told) {
      roundStarted(m.startNs());
    }
    batch = 0;
    clock.reset(false);
    if (m.rejoin()) {
      // What its processor still had queued when it was given up is lost with the epoch (a
      // resumed run's device never had it): it is free from its start at the latest.
      cpu.restoreFreeAt(Math.min(cpu.freeAtNs(), m.startNs()));
      // Given up in the epoch before, it holds no current model: it downloads the aggregate,
      // ready at its start, over its downlink before its first batch.
      s.supervisor()
          .tell(new Supervisor.AggregateWanted(s.id(), epoch, m.startNs(), roundStarts()));
      return;
    }
    begin(m.startNs());
  }

  /** A rejoining device's download of the aggregate: its time and bytes count in this epoch. */
  private void fetched(Device.AggregateFetched a) {
    if (a.arrivalNs() == LinkTiming.NEVER && hangsBy(a.arrivalNs())) {
      return; // never arrives: the device's downlink is cut off for good
    }
    begin(downloaded(a.readyNs(), a.arrivalNs(), s.costs().modelBytes()));
  }

  /** The epoch's first batch, with the model held at {@code readyNs}. */
  private void begin(long readyNs) {
    if (moveBytes > 0) {
      // The units a hop crash moved reach their new hops first: the epoch's first batch waits.
      long bytes = moveBytes;
      moveBytes = 0;
      int e = epoch;
      send(Device.Payload.UNITS, readyNs, bytes, self, ns -> new Device.UnitsMoved(e, ns));
      return;
    }
    sendForward(readyNs);
  }

  /** Before any transfer of the epoch: faults at the epoch's start take this device's start. */
  private void roundStarted(long startNs) {
    if (s.uplink() != null) {
      s.uplink().roundStarted(epoch, startNs);
      s.downlink().roundStarted(epoch, startNs);
    }
  }

  /**
   * An upload's receipt: the upload's time counts whether or not it was delivered (as the link
   * carried it); one withheld means the device hangs, after every earlier upload was delivered.
   */
  private void receipt(Device.Receipt u) {
    if (u.arrivalNs() != LinkTiming.NEVER) {
      clock.carried(true, s.uplink(), u.sendNs(), u.arrivalNs(), u.bytes(), 1.0);
    }
    if (!u.delivered()) {
      hangsBy(u.arrivalNs());
    } else if (u.what() == Device.Payload.ACTIVATIONS) {
      forwardSent++;
    } else if (u.what() == Device.Payload.TAIL_GRADIENT) {
      backwardSent++;
    }
  }

  private void sendForward(long readyNs) {
    long headEnd = end(readyNs, s.costs().headForwardS());
    upload(Device.Payload.ACTIVATIONS, headEnd, s.costs().cutBytes(), first, batch);
  }

  /**
   * The round starts told to the device's downlink, for the hops' copy of it, where it is
   * elsewhere; else (and without link faults) none.
   */
  private long[] roundStarts() {
    if (!s.downlinkElsewhere() || s.downlink() == null) {
      return ComputeHop.NO_ROUND_STARTS;
    }
    return s.downlink().keptRoundStarts();
  }

  private long end(long readyNs, double seconds) {
    return clock.compute(cpu, readyNs, seconds, 1.0);
  }

  /** Sends batch {@code b}'s job of {@code what} to the hop {@code to}. */
  private void upload(
      Device.Payload what, long sendNs, long bytes, ActorRef<ComputeHop.Command> to, int b) {
    int e = epoch;
    int me = s.id();
    boolean forward = what == Device.Payload.ACTIVATIONS;
    // The epoch's first job carries the round starts (what the epoch sends down comes after it).
    long[] starts = forward && b == 0 ? roundStarts() : ComputeHop.NO_ROUND_STARTS;
    send(what, sendNs, bytes, to, ns -> new ComputeHop.Job(e, me, forward, b, ns, starts));
  }

  /**
   * Hands an upload to the uplink channel: {@code to} gets {@code message} stamped with its
   * arrival, unless it arrives at or after the device's hang instant; this device gets the receipt.
   */
  private <M> void send(
      Device.Payload what, long sendNs, long bytes, ActorRef<M> to, LinkChannel.Stamp<M> message) {
    s.uplinks()
        .send(
            LinkChannel.Send.of(s.id(), bytes, sendNs, 1.0, to, message)
                .withReceipt(
                    self,
                    (sent, arrived, ok) -> new Device.Receipt(what, bytes, sent, arrived, ok),
                    hangAtNs()));
  }

  /** A download's time, from its send and arrival instants; returns the arrival. */
  private long downloaded(long sendNs, long arrivalNs, long bytes) {
    clock.carried(false, s.downlink(), sendNs, arrivalNs, bytes, 1.0);
    return arrivalNs;
  }
}
