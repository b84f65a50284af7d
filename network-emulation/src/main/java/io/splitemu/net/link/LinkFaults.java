package io.splitemu.net.link;

import io.splitemu.net.ModulatedRate;
import java.math.BigDecimal;

/** Layers a {@link FaultSchedule}'s rate windows on a link model. */
public final class LinkFaults {
  private LinkFaults() {}

  /**
   * The model with outages and degradations applied: a rate link's rate is multiplied by the
   * windows' factor; a packet link keeps a deterministic share of its delivery opportunities (see
   * {@link PacketLink}). Delay windows are applied by {@link Link}, which sees each transfer's last
   * byte.
   *
   * @throws IllegalArgumentException for a degradation factor above 1 on a packet link
   */
  public static LinkModel apply(LinkModel model, FaultSchedule faults) {
    if (faults.horizonNanos() == 0) {
      return model;
    }
    if (model instanceof FluidLink f) {
      return new FluidLink(new ModulatedRate(f.bitsPerSecond(), faults), f.propagationNanos());
    }
    PacketLink p = (PacketLink) model;
    for (FaultSchedule.Window w : faults.windows()) {
      if (w.factor().compareTo(BigDecimal.ONE) > 0) {
        throw new IllegalArgumentException(
            "degradation factor "
                + w.factor().stripTrailingZeros().toPlainString()
                + " in window ["
                + w.fromNanos()
                + ", "
                + w.toNanos()
                + ") ns must be in [0, 1] on a mahimahi link: a packet trace cannot gain"
                + " delivery opportunities");
      }
    }
    return p.withFaults(faults);
  }
}
