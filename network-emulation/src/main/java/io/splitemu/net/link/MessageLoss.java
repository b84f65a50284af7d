package io.splitemu.net.link;

/**
 * Loss of whole transfers: each attempt is lost with {@code probability}; the sender re-sends
 * {@code timeoutNanos} after the lost attempt's send instant (FIFO behind the link's queue).
 *
 * @param streamName the name of the seeded random stream, e.g. "loss/device-3/up"
 */
public record MessageLoss(
    double probability, long timeoutNanos, int maxAttempts, long seed, String streamName) {

  public static final MessageLoss NONE = new MessageLoss(0, 0, 1, 0, "none");

  public MessageLoss {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("loss probability must be in [0, 1], got " + probability);
    }
    if (probability > 0 && timeoutNanos <= 0) {
      throw new IllegalArgumentException("loss timeout must be > 0 ns, got " + timeoutNanos);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("max attempts must be >= 1, got " + maxAttempts);
    }
  }
}
