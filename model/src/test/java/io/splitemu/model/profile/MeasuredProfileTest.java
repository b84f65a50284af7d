package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeasuredProfileTest {

  @TempDir Path dir;

  private static Path table(String file) {
    String data = System.getProperty("splitemu.data");
    if (data == null || data.isBlank()) {
      Assumptions.abort("splitemu.data is not set: skipping the measured MP-SL table checks");
    }
    Path p = Path.of(data, "profiles", "mpsl-measured", file);
    if (!Files.isRegularFile(p)) {
      throw new AssertionError("splitemu.data is set but " + p + " is missing");
    }
    return p;
  }

  @Test
  void read_allFourTables_haveUnitsDevicesAndPositiveSizes() {
    for (String[] c :
        new String[][] {
          {"vgg19_cifar", "25"}, {"vgg19_mnist", "25"},
          {"resnet101_cifar", "37"}, {"resnet101_mnist", "37"}
        }) {
      MeasuredProfile p =
          MeasuredProfile.read(table(c[0] + "_times.csv"), table(c[0] + "_memory.csv"));
      assertEquals(c[0], p.model());
      assertEquals(Integer.parseInt(c[1]), p.unitCount());
      assertEquals(128, p.batchSize());
      assertEquals(
          List.of("VM", "laptop", "d1", "d2", "jetson-cpu", "jetson-gpu").stream()
              .sorted()
              .toList(),
          p.devices().stream().sorted().toList());
      for (int u = 1; u <= p.unitCount(); u++) {
        assertTrue(p.activationBytes(u) > 0, c[0] + " unit " + u);
        assertTrue(p.forwardMs("d1", u) >= 0);
      }
    }
  }

  @Test
  void read_vgg19Cifar_convertsKilobytesAndKeepsMilliseconds() {
    MeasuredProfile p =
        MeasuredProfile.read(table("vgg19_cifar_times.csv"), table("vgg19_cifar_memory.csv"));
    // first row of each table: 32769.6 KB activations, 10.0566 KB weights; VM forward 8.31034 ms
    assertEquals(Math.round(32769.6 * 1024), p.activationBytes(1));
    assertEquals(Math.round(10.0566 * 1024), p.weightBytes(1));
    assertEquals(8.31034, p.forwardMs("VM", 1), 1e-9);
    assertEquals(15.4483, p.backwardMs("VM", 1), 1e-9);
    // the big fully connected layer (unit 23) dominates the weights, about 392 MB
    assertTrue(p.weightBytes(23) > 400_000_000L);
  }

  @Test
  void read_malformedNumber_namesFileAndLine() throws IOException {
    Path times =
        write(
            "m_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\n" + "1,VM,1,2,0\n2,VM,x,2,0\n");
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n2,1,1\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(e.getMessage().contains("m_times.csv line 3"), e.getMessage());
    assertTrue(e.getMessage().contains("forward_ms"), e.getMessage());
  }

  @Test
  void read_sizesAndTimesBeyondWhatAUnitCanBe_areRefused() throws IOException {
    Path times =
        write(
            "m_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\n" + "1,VM,1,2,0\n2,VM,1,2,0\n");
    // 1e16 KB each was clamped to Long.MAX_VALUE bytes, and two such units' sum wrapped negative.
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1e16\n2,1,1e16\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(
        e.getMessage()
            .endsWith(
                "m_memory.csv line 2: expected a number in [0, 1073741824] for"
                    + " weight_kb, got \"1e16\""),
        e.getMessage());
    Path slow =
        write(
            "s_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\n" + "1,VM,1,2,0\n2,VM,1,1e300,0\n");
    Path fine = write("f_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n2,1,1\n");
    e = assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(slow, fine));
    assertTrue(
        e.getMessage()
            .contains(
                "s_times.csv line 3: expected a number in [0, 86400000]" + " for backward_ms"),
        e.getMessage());
  }

  @Test
  void read_missingDeviceRow_namesUnitAndDevice() throws IOException {
    Path times =
        write(
            "m_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\n"
                + "1,VM,1,2,0\n2,VM,1,2,0\n1,d1,1,2,0\n");
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n2,1,1\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(e.getMessage().contains("unit 2 device d1"), e.getMessage());
  }

  @Test
  void read_duplicateRowsAndUnitsBeyondTheMemoryTable_saySoWithoutExpected() throws IOException {
    Path times =
        write(
            "m_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\n"
                + "1,VM,1,2,0\n2,VM,1,2,0\n1,VM,1,2,0\n");
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n2,1,1\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(
        e.getMessage().endsWith("m_times.csv line 4: a second row for unit 1 device VM"),
        e.getMessage());
    Path mem2 = write("d_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n1,1,1\n");
    e = assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem2));
    assertTrue(
        e.getMessage().endsWith("d_memory.csv line 3: a second row for unit 1"), e.getMessage());
    Path mem1 = write("o_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1,1\n");
    e = assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem1));
    assertTrue(
        e.getMessage().endsWith("m_times.csv line 3: unit 2, but the memory table has 1 units"),
        e.getMessage());
  }

  @Test
  void read_bareCarriageReturn_doesNotEndALine() throws IOException {
    // a stray \r ending line 2 keeps line 3 line 3 (String.lines() called it line 4)
    Path times =
        write(
            "m_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\r\n" + "1,VM,1,2,0\r\r\n2,VM,x,2,0\r\n");
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\r\n1,1,1\r\n2,1,1\r\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(e.getMessage().contains("m_times.csv line 3: expected a number"), e.getMessage());
    Path ok =
        write(
            "k_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\r\n" + "1,VM,1,2,0\r\n2,VM,1,2,0\r\n");
    assertEquals(2, MeasuredProfile.read(ok, mem).unitCount());
    // a file with only \r line ends (classic Mac) is read line by line, as before 4fe264d
    Path macTimes =
        write(
            "c_times.csv",
            "unit,device,forward_ms,backward_ms,update_ms\r1,VM,1,2,0\r2,VM,1,2,0\r");
    Path macMem = write("c_memory.csv", "unit,activation_kb_batch128,weight_kb\r1,1,1\r2,1,1\r");
    assertEquals(2, MeasuredProfile.read(macTimes, macMem).unitCount());
  }

  @Test
  void read_wrongFieldCountOrHeader_isRefused() throws IOException {
    Path mem = write("m_memory.csv", "unit,activation_kb_batch128,weight_kb\n1,1\n");
    Path times = write("m_times.csv", "unit,device,forward_ms,backward_ms,update_ms\n1,VM,1,2,0\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, mem));
    assertTrue(e.getMessage().contains("m_memory.csv line 2: expected 3"), e.getMessage());
    Path badHeader = write("h_memory.csv", "unit;act;w\n1,1,1\n");
    e = assertThrows(IllegalArgumentException.class, () -> MeasuredProfile.read(times, badHeader));
    assertTrue(e.getMessage().contains("h_memory.csv line 1"), e.getMessage());
  }

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }
}
