package io.splitemu.actors.runtime;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.UndeliverableException;
import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.LinkFaults;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.LinkState;
import io.splitemu.net.link.PacketLink;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One direction of a device's link as the runtime uses it: a FIFO queue whose transfers are served
 * by the network-emulation link model of the current round and share (exact integration of the
 * rate, propagation delay added).
 *
 * <p>With link faults ({@link LinkFaultWindows}) outages and degradations are layered on the model
 * (network-emulation's {@link LinkFaults}), so a transfer caught in an outage resumes after it by
 * exact integration; a transfer that the link cannot finish before an outage with no end in sight
 * arrives {@link LinkTiming#NEVER}, and every later one too; each attempt sent in a loss window is
 * lost with its probability and sent again its timeout after the lost attempt's send instant.
 */
public final class EmulatedLink implements LinkTiming {

  /** The link model for a round and a share of the band. */
  @FunctionalInterface
  public interface Models {
    /** The model of round {@code round} (1-based) at share {@code share}. */
    LinkModel of(int round, double share);
  }

  private final Models models;
  // The models built this round by share: the first share's in a field, any other's in a map made
  // when a second share comes (a link mostly has one share, and a million links' maps were ~180
  // bytes each).
  private long firstShareBits;
  private LinkModel firstShareModel;
  private Map<Double, LinkModel> otherShares;
  // The queue's state (LinkState's two fields, kept inline: a million links' records and instants
  // were ~48 bytes each, issue 16): when the link is free, and its next delivery opportunity.
  private long freeAtNs;
  private long nextOpportunity;
  private int round = 1;
  // The link's faults (null: none), placed by the round starts known so far (round 1 at 0).
  private final LinkFaultWindows faults;
  // (null without faults, which alone read them) Only the starts of the rounds the faults name
  // (LinkFaultWindows.namesRound): a link kept every round's, which grew every link's state and
  // each checkpoint by a round's entry a round, for the whole run.
  private final TreeMap<Integer, Long> roundStarts;
  private LinkFaultWindows.Resolved resolved;
  // The model a probe at probeAtNs takes, when some placed window starts after it (null: none
  // made this round).
  private long probeAtNs;
  private LinkModel probeModel;
  // Down for good from downForGoodNs: every transfer from the first that could not finish on.
  private boolean cutOff;
  private long downForGoodNs = NEVER;
  private long lostBytes;

  /** A link whose model may change with the round and the share. */
  public EmulatedLink(Models models) {
    this(models, null);
  }

  private EmulatedLink(Models models, LinkFaultWindows faults) {
    this.models = models;
    this.faults = faults;
    this.roundStarts = faults == null ? null : new TreeMap<>();
    if (faults != null && faults.namesRound(1)) {
      roundStarts.put(1, 0L);
    }
    this.resolved = faults == null ? null : faults.resolve(roundStarts);
  }

  /**
   * The model this link times round {@code round} at {@code share} on, before its faults; for tests
   * that check what links share (issue 16: links on one trace read one copy of it).
   */
  LinkModel model(int round, double share) {
    return models.of(round, share);
  }

  /** The same models under {@code faults} (null: none), idle at 0. */
  EmulatedLink withFaults(LinkFaultWindows faults) {
    return new EmulatedLink(models, faults);
  }

  @Override
  public synchronized void roundStarted(int newRound, long startNs) {
    if (faults != null
        && faults.namesRound(newRound)
        && !Long.valueOf(startNs).equals(roundStarts.put(newRound, startNs))) {
      resolved = faults.resolve(roundStarts);
      clearCache();
      if (resolved.downForGoodNs() > downForGoodNs) {
        // The outage that cut the link off has an end now (its until-round started); an endless
        // one still to come is another, later one.
        cutOff = false;
        downForGoodNs = NEVER;
      }
    }
  }

  @Override
  public synchronized long downForGoodNs() {
    return downForGoodNs;
  }

  @Override
  public synchronized long lostBytes() {
    return lostBytes;
  }

  @Override
  public synchronized long[] keptRoundStarts() {
    if (roundStarts == null || roundStarts.isEmpty()) {
      return NO_ROUND_STARTS;
    }
    long[] out = new long[2 * roundStarts.size()];
    int k = 0;
    for (Map.Entry<Integer, Long> e : roundStarts.entrySet()) {
      out[k++] = e.getKey();
      out[k++] = e.getValue();
    }
    return out;
  }

  @Override
  public synchronized void follow(long downForGoodNs, long lostBytes) {
    // Cut off exactly while down for good (serve sets both, roundStarted clears both).
    this.cutOff = downForGoodNs != NEVER;
    this.downForGoodNs = downForGoodNs;
    this.lostBytes = lostBytes;
  }

  /**
   * This round's model at {@code share}, with the fault windows placed so far: made once per round
   * and share.
   */
  private LinkModel model(double share) {
    long bits = Double.doubleToLongBits(share);
    if (firstShareModel != null && bits == firstShareBits) {
      return firstShareModel;
    }
    LinkModel m = otherShares == null ? null : otherShares.get(share);
    if (m == null) {
      m = models.of(round, share);
      m = resolved == null ? m : LinkFaults.apply(m, resolved.schedule());
      if (firstShareModel == null) {
        firstShareModel = m;
        firstShareBits = bits;
      } else {
        if (otherShares == null) {
          otherShares = new HashMap<>();
        }
        otherShares.put(share, m);
      }
    }
    return m;
  }

  private void clearCache() {
    firstShareModel = null;
    otherShares = null;
    probeModel = null;
  }

  @Override
  public synchronized void round(int newRound) {
    if (newRound != round) {
      round = newRound;
      clearCache();
    }
  }

  @Override
  public synchronized long propagationNanos() {
    return model(1.0).propagationNanos();
  }

  @Override
  public synchronized long probe(long sendNs, long bytes) {
    // A probe sees the outages and degradations with an end that have started by its send instant
    // (what a measurement then can observe: a window still to come would make a round's plan
    // depend on a fault after it), not the losses (it draws nothing) nor an outage with no end in
    // sight (its device is about to be given up; the rate is moot).
    LinkModel m = probeModel(sendNs);
    LinkState idle = m.serve(LinkState.IDLE, EmulatedInstant.ofNanos(sendNs), bytes);
    return idle.freeAt().nanos() + m.propagationNanos();
  }

  /** The model a probe sent at {@code sendNs} takes: this round's, with the windows started. */
  private LinkModel probeModel(long sendNs) {
    if (resolved == null) {
      return model(1.0);
    }
    FaultSchedule started = resolved.startedBy(sendNs);
    if (started.windows().size() == resolved.schedule().windows().size()) {
      return model(1.0); // every window placed has started: the transfers' model
    }
    if (probeModel == null || probeAtNs != sendNs) {
      probeModel = LinkFaults.apply(models.of(round, 1.0), started);
      probeAtNs = sendNs;
    }
    return probeModel;
  }

  @Override
  public synchronized double capacityBps(long fromNs, long toNs) {
    // Without faults this is the traffic's model at full share; with them, the model before them,
    // made anew (not cached: the cache's full-share slot holds the faulted model the transfers
    // and probes take, and one read a round for the metrics costs little).
    LinkModel m = resolved == null ? model(1.0) : models.of(round, 1.0);
    // An empty span (a round of no emulated time) reads the rate over its first millisecond.
    long to = toNs > fromNs ? toNs : fromNs + 1_000_000L;
    double bits =
        m.capacityBits(EmulatedInstant.ofNanos(fromNs), EmulatedInstant.ofNanos(to)).doubleValue();
    return bits / ((to - fromNs) / 1e9);
  }

  @Override
  public synchronized long arrival(long sendNs, long bytes, double share) {
    // A transfer of no bytes takes no band: it waits for the queue and its propagation delay at
    // any share, as the planner charges it (SchemeLatency), so it is timed on the full share's
    // model, whose serving of 0 bytes is the same as any share's; a share of 0 (edgesplit's
    // aggregation share of a device with no weights) builds no model, which could not be made.
    LinkModel m = model(bytes == 0 ? 1.0 : share);
    if (resolved == null) {
      setState(m.serve(state(), EmulatedInstant.ofNanos(sendNs), bytes));
      return freeAtNs + m.propagationNanos();
    }
    long attempt = sendNs;
    while (true) {
      if (cutOff || !serve(m, attempt, bytes)) {
        return NEVER;
      }
      long timeout = lostAttempt(attempt);
      if (timeout < 0) {
        return freeAtNs + m.propagationNanos();
      }
      // The lost attempt's bytes were on the link; the resend leaves its timeout after it.
      lostBytes += bytes;
      attempt = Math.addExact(attempt, timeout);
    }
  }

  /**
   * Serves one attempt behind the queue; false (and the link cut off for good) if it cannot finish
   * before the outage with no end in sight.
   */
  private boolean serve(LinkModel m, long sendNs, long bytes) {
    long down = resolved.downForGoodNs();
    long start = Math.max(sendNs, freeAtNs);
    LinkState next = null;
    if (start < down) {
      try {
        next = m.serve(state(), EmulatedInstant.ofNanos(sendNs), bytes);
      } catch (UndeliverableException e) {
        // The trace itself stops: the run fails as without faults, unless the outage came first.
        BigDecimal bits = BigDecimal.valueOf(bytes).multiply(BigDecimal.valueOf(8));
        if (down == NEVER
            || m.capacityBits(EmulatedInstant.ofNanos(start), EmulatedInstant.ofNanos(down))
                    .compareTo(bits)
                >= 0) {
          throw e;
        }
      }
    }
    // A packet link's free instant is its last delivery opportunity's, and an opportunity at the
    // outage's start falls inside it (outages are [from, until), as the windows with an end).
    boolean packets = m instanceof PacketLink;
    if (next == null
        || next.freeAt().nanos() > down
        || (packets && next.freeAt().nanos() == down)) {
      cutOff = true;
      downForGoodNs = down;
      return false;
    }
    setState(next);
    return true;
  }

  private LinkState state() {
    return freeAtNs == 0 && nextOpportunity == 0
        ? LinkState.IDLE
        : new LinkState(EmulatedInstant.ofNanos(freeAtNs), nextOpportunity);
  }

  private void setState(LinkState s) {
    freeAtNs = s.freeAt().nanos();
    nextOpportunity = s.nextOpportunity();
  }

  /**
   * Draws whether the attempt sent at {@code sendNs} is lost, once per loss window it falls in (in
   * the scenario's order); the timeout of the first that loses it, or -1 if none does.
   */
  private long lostAttempt(long sendNs) {
    long timeout = -1;
    for (LinkFaultWindows.Loss l : resolved.losses()) {
      if (sendNs >= l.fromNs() && sendNs < l.toNs()) {
        boolean lost = l.draws().next() < l.probability();
        if (lost && timeout < 0) {
          timeout = l.timeoutNs();
        }
      }
    }
    return timeout;
  }

  /**
   * {round, free at (ns), next delivery opportunity}, then with faults: cut off (0 or 1), down for
   * good since (ns), lost bytes, the number of round starts kept (those the faults name) and each
   * (round, start), and each loss stream's draws so far.
   */
  @Override
  public synchronized long[] saveState() {
    long[] base = {round, freeAtNs, nextOpportunity};
    if (faults == null) {
      return base;
    }
    long[] draws = faults.drawCounts();
    long[] out = new long[base.length + 4 + 2 * roundStarts.size() + draws.length];
    int k = 0;
    for (long v : base) {
      out[k++] = v;
    }
    out[k++] = cutOff ? 1 : 0;
    out[k++] = downForGoodNs;
    out[k++] = lostBytes;
    out[k++] = roundStarts.size();
    for (Map.Entry<Integer, Long> e : roundStarts.entrySet()) {
      out[k++] = e.getKey();
      out[k++] = e.getValue();
    }
    for (long d : draws) {
      out[k++] = d;
    }
    return out;
  }

  @Override
  public synchronized void restoreState(long[] saved) {
    round = (int) saved[0];
    clearCache();
    freeAtNs = saved[1];
    nextOpportunity = saved[2];
    if (faults == null || saved.length <= 3) {
      return;
    }
    int k = 3;
    cutOff = saved[k++] == 1;
    downForGoodNs = saved[k++];
    lostBytes = saved[k++];
    int starts = (int) saved[k++];
    roundStarts.clear();
    for (int i = 0; i < starts; i++) {
      // A checkpoint of an older version holds every round's start: the named ones are kept.
      if (faults.namesRound((int) saved[k])) {
        roundStarts.put((int) saved[k], saved[k + 1]);
      }
      k += 2;
    }
    faults.restoreDrawCounts(java.util.Arrays.copyOfRange(saved, k, saved.length));
    resolved = faults.resolve(roundStarts);
  }
}
