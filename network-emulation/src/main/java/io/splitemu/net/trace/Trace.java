package io.splitemu.net.trace;

import io.splitemu.net.link.LinkModel;
import java.math.BigDecimal;

/** A bandwidth trace read from a file: one pass of a link's capacity over time. */
public sealed interface Trace permits RateTrace, PacketTrace {

  /** The file's name without its folder. */
  String name();

  /** Length of one pass in nanoseconds. */
  long passNanos();

  /** Bits one pass can carry, exactly. */
  BigDecimal passCapacityBits();

  double minBitsPerSecond();

  double maxBitsPerSecond();

  /** Capacity of one pass over its duration. */
  default double meanBitsPerSecond() {
    return passCapacityBits().doubleValue() / (passNanos() / 1e9);
  }

  /** A link whose capacity follows this trace, with the given end policy and propagation delay. */
  LinkModel link(EndPolicy end, long propagationNanos);
}
