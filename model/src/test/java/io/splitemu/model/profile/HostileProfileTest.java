package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The extreme model files of issue 15 give a one-line refusal naming file, line and layer. */
class HostileProfileTest {
  private static final String SRC = "net.prototxt";

  private static String refusal(String text) {
    return assertThrows(
            IllegalArgumentException.class, () -> CaffePrototxt.parse(text, SRC, "net"))
        .getMessage();
  }

  private static String input(long c, long h, long w) {
    return "input: \"data\"\ninput_dim: 1\ninput_dim: " + c + "\ninput_dim: " + h + "\ninput_dim: "
        + w + "\n";
  }

  private static String conv(String param) {
    return "layer {\n  name: \"c\"\n  type: \"Convolution\"\n  bottom: \"data\"\n  top: \"c\"\n"
        + "  convolution_param { " + param + " }\n}\n";
  }

  @Test
  void prototxt_convolutionOf2e19Macs_refusedRatherThanWrapped() {
    // 2^40 outputs x 65536 x 17 x 17 inputs each: about 2.1e19, beyond a long
    assertEquals(
        SRC + ":6: layer 'c': about 2.08e+19 multiply-accumulates per sample exceed the limit of"
            + " 1e18",
        refusal(input(65536, 4096, 4096) + conv("num_output: 65536 kernel_size: 17 pad: 8")));
  }

  @Test
  void prototxt_largeButPhysicalConvolution_exactMacs() {
    CaffePrototxt.Result r =
        CaffePrototxt.parse(
            input(64, 1024, 1024) + conv("num_output: 64 kernel_size: 3 pad: 1"), SRC, "net");
    assertEquals(64L * 1024 * 1024 * 64 * 9, r.macs());
    assertEquals(2.0 * 64 * 1024 * 1024 * 64 * 9, r.dag().layers().get(0).forwardFlops());
  }

  @Test
  void prototxt_strideZero_refusedWithLine() {
    assertEquals(
        SRC + ":11: layer 'c': 'stride' must be >= 1, got 0 and 0",
        refusal(input(3, 8, 8) + conv("num_output: 2 kernel_size: 3 stride: 0")));
  }

  @Test
  void prototxt_deepNesting_refusedWithoutStackOverflow() {
    String deep = "a {\n".repeat(100_000);
    assertEquals(SRC + ":65: blocks nested more than 64 deep", refusal(deep));
  }

  @Test
  void prototxt_inputDimsOverflowing_refusedAsTooLargeNotMissing() {
    assertEquals(
        SRC + ":3: input 'data': 'input_dim' must be in [1, 16777216], got 2147483647",
        refusal(input(2147483647, 2147483647, 2147483647)));
    assertEquals(
        SRC + ":2: input 'data': a tensor of 16777216x16777216x16777216 elements per sample"
            + " exceeds the limit of 2^40 (4 TiB of floats)",
        refusal(input(16777216, 16777216, 16777216) + conv("num_output: 1 kernel_size: 1")));
  }

  @Test
  void prototxt_quotedNewline_keptOutOfTheOneLineMessage() {
    String msg =
        refusal(input(3, 8, 8) + "layer { name: \"x\\ny\" type: \"Warp\" bottom: \"data\" top: "
            + "\"x\" }\n");
    assertEquals(SRC + ":6: layer 'x\\u000ay': unsupported layer type Warp", msg);
  }

  @Test
  void dagJson_hugeFlopsAndBytes_refusedNamingLayerNotOverflowing() {
    String head = "{\"name\": \"m\", \"inputBytes\": 4, \"layers\": [{\"name\": \"a\","
        + " \"inputs\": [\"input\"], ";
    assertEquals(
        "m.dag.json: layer a: \"forwardFlops\" must be at most 1e21, got 1.7E308",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    DagJson.parse(
                        head + "\"forwardFlops\": 1.7e308, \"outputBytes\": 1,"
                            + " \"paramBytes\": 0}]}",
                        "m.dag.json"))
            .getMessage());
    assertEquals(
        "m.dag.json: layer a: \"outputBytes\" must be at most 2^42 (4398046511104), got"
            + " 9223372036854775807",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    DagJson.parse(
                        head + "\"forwardFlops\": 1, \"outputBytes\": 9223372036854775807,"
                            + " \"paramBytes\": 0}]}",
                        "m.dag.json"))
            .getMessage());
  }
}
