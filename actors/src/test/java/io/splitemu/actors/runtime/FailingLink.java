package io.splitemu.actors.runtime;

/**
 * A link that works like {@code inner} until a given round begins (or a given number of
 * transfers has gone through), then throws from the actor that uses it: an injected actor failure.
 */
public final class FailingLink implements LinkTiming {

  /** The message of the injected failure. */
  public static final String MESSAGE = "injected link failure";

  private final LinkTiming inner;
  private final int failRound;
  private final long failTransfer;
  private int round = 1;
  private long transfers;

  private FailingLink(LinkTiming inner, int failRound, long failTransfer) {
    this.inner = inner;
    this.failRound = failRound;
    this.failTransfer = failTransfer;
  }

  /** Fails the first transfer of round {@code round}. */
  public static FailingLink fromRound(LinkTiming inner, int round) {
    return new FailingLink(inner, round, Long.MAX_VALUE);
  }

  /** Fails the {@code n}-th transfer (1-based). */
  public static FailingLink atTransfer(LinkTiming inner, long n) {
    return new FailingLink(inner, Integer.MAX_VALUE, n);
  }

  @Override
  public synchronized void round(int newRound) {
    round = newRound;
    inner.round(newRound);
  }

  @Override
  public long propagationNanos() {
    return inner.propagationNanos();
  }

  @Override
  public long probe(long sendNs, long bytes) {
    return inner.probe(sendNs, bytes);
  }

  @Override
  public synchronized long arrival(long sendNs, long bytes, double share) {
    transfers++;
    if (round >= failRound || transfers >= failTransfer) {
      throw new IllegalStateException(MESSAGE + " (round " + round + ")");
    }
    return inner.arrival(sendNs, bytes, share);
  }
}
