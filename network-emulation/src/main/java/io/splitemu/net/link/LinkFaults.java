package io.splitemu.net.link;

import io.splitemu.net.ModulatedRate;

/** Layers a {@link FaultSchedule}'s rate windows on a link model. */
public final class LinkFaults {
  private LinkFaults() {}

  /**
   * The model with outages and degradations applied to its rate; delay windows are applied by
   * {@link Link}, which sees each transfer's last byte.
   *
   * @throws IllegalArgumentException for rate windows on a packet link (not supported yet)
   */
  public static LinkModel apply(LinkModel model, FaultSchedule faults) {
    if (faults.horizonNanos() == 0) {
      return model;
    }
    if (model instanceof FluidLink f) {
      return new FluidLink(new ModulatedRate(f.bitsPerSecond(), faults), f.propagationNanos());
    }
    throw new IllegalArgumentException(
        "outage and degradation windows are supported on rate links only, not on "
            + model.getClass().getSimpleName());
  }
}
