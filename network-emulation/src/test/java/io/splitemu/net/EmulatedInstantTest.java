package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class EmulatedInstantTest {

  @Test
  void ofSeconds_decimalText_roundsHalfUpToNanos() {
    assertEquals(549_999_952L, EmulatedInstant.ofSeconds(new BigDecimal("0.549999952316")).nanos());
    assertEquals(2L, EmulatedInstant.ofSeconds(new BigDecimal("0.0000000015")).nanos());
  }

  @Test
  void plusNanos_millionSmallSteps_noDrift() {
    EmulatedInstant t = EmulatedInstant.ZERO;
    for (int i = 0; i < 1_000_000; i++) {
      t = t.plusNanos(100_000); // 0.1 ms, which is not exact in binary floating point
    }
    assertEquals(100_000_000_000L, t.nanos());
    assertEquals("100.000000000s", t.toString());
  }

  @Test
  void negativeInstant_refused() {
    assertThrows(IllegalArgumentException.class, () -> EmulatedInstant.ofNanos(-1));
  }
}
