package io.splitemu.net.stream;

import io.splitemu.net.EmulatedInstant;

/** A payload of {@code bytes} handed to a link at an emulated instant. */
public record Transfer<T>(long bytes, EmulatedInstant sendInstant, T payload) {
  public Transfer {
    if (bytes < 0) {
      throw new IllegalArgumentException("transfer size must be >= 0 bytes, got " + bytes);
    }
  }
}
