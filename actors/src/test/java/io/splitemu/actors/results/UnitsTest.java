package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void bytes_inSiUnitsWithFourSignificantDigits() {
    assertEquals("0 B", Units.bytes(0));
    assertEquals("999 B", Units.bytes(999));
    assertEquals("1.000 kB", Units.bytes(1000));
    assertEquals("246.8 kB", Units.bytes(246_824));
    assertEquals("814.2 MB", Units.bytes(814_216_320));
    // Just under the next unit rounds up into it rather than reading "1000 MB".
    assertEquals("1.000 GB", Units.bytes(999_990_000));
    assertEquals("12.35 GB", Units.bytes(12_345_678_901L));
    assertEquals("9.223 EB", Units.bytes(Long.MAX_VALUE));
  }

  @Test
  void seconds_inTheUnitThatReads() {
    assertEquals("n/a", Units.seconds(Double.NaN));
    assertEquals("0 s", Units.seconds(0));
    assertEquals("482.3 ms", Units.seconds(0.48231));
    assertEquals("1.000 s", Units.seconds(0.99996));
    assertEquals("19.31 s", Units.seconds(19.310043094));
    assertEquals("59.99 s", Units.seconds(59.99));
    assertEquals("1 min 00 s", Units.seconds(59.996));
    assertEquals("20 min 34 s", Units.seconds(1234.4));
    assertEquals("2 h 03 min 05 s", Units.seconds(7385));
    assertEquals("-1.500 s", Units.seconds(-1.5));
  }

  @Test
  void exactSeconds_echoesASettingWithoutRounding() {
    assertEquals("30 s", Units.exactSeconds(Duration.ofSeconds(30)));
    assertEquals("0 s", Units.exactSeconds(Duration.ZERO));
    assertEquals("0.25 s", Units.exactSeconds(Duration.ofMillis(250)));
    assertEquals("90.5 s", Units.exactSeconds(Duration.ofMillis(90_500)));
    assertEquals("3600 s", Units.exactSeconds(Duration.ofHours(1)));
  }
}
