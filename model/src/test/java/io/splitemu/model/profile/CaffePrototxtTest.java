package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaffePrototxtTest {

  private static final String SRC = "net.prototxt";
  private static final String CAFFE = "models/caffe/";

  private static CaffePrototxt.Result parse(String text) {
    return CaffePrototxt.parse(text, SRC, "net");
  }

  private static IllegalArgumentException refused(String text) {
    return assertThrows(IllegalArgumentException.class, () -> parse(text));
  }

  private static final String HEADER =
      "name: \"tiny\"\ninput: \"data\"\ninput_dim: 10\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\n";

  @Test
  void parse_convWithInPlaceBnScaleRelu_mergesThemIntoTheConvolution() {
    String text =
        HEADER
            + "layer {\n\tname: \"conv\"\n\ttype: \"Convolution\"\n\tbottom: \"data\"\n"
            + "\ttop: \"conv\" # comment with { braces\n"
            + "\tconvolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false }\n}\n"
            + "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"conv\" top: \"conv\" }\n"
            + "layer { name: \"sc\" type: \"Scale\" bottom: \"conv\" top: \"conv\""
            + " scale_param { bias_term: true } }\n"
            + "layer { name: \"relu\" type: \"ReLU\" bottom: \"conv\" top: \"conv\" }\n"
            + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"conv\" top: \"fc\""
            + " inner_product_param { num_output: 5 } }\n";
    CaffePrototxt.Result r = parse(text);
    DagProfile p = r.dag();
    assertEquals("tiny", p.name());
    assertEquals(4 * 3 * 8 * 8, p.inputBytes());
    assertEquals(2, p.size());
    DagLayer conv = p.layers().get(0);
    long convMacs = 4L * 8 * 8 * 3 * 9;
    long outputs = 4L * 8 * 8;
    // conv (no bias) + BN (no trainable params) + Scale gamma and beta;
    // BN, Scale and ReLU cost one FLOP per element each.
    assertEquals(4 * (4 * 3 * 9 + 2 * 4), conv.paramBytes());
    assertEquals(2.0 * convMacs + 3 * outputs, conv.forwardFlops());
    assertEquals(2 * conv.forwardFlops(), conv.backwardFlops());
    assertEquals(4 * outputs, conv.outputBytes());
    DagLayer fc = p.layers().get(1);
    assertEquals(List.of("conv"), fc.inputs());
    assertEquals(4 * (256 * 5 + 5), fc.paramBytes());
    assertEquals(convMacs + 256 * 5, r.macs());
    assertEquals(4 * 3 * 9 + 8 + 256 * 5 + 5, r.params());
  }

  @Test
  void parse_pooling_roundsUpClipsAndHonoursCeilModeAndGlobal() {
    String text =
        "input: \"data\"\ninput_shape { dim: 1 dim: 2 dim: 112 dim: 112 }\n"
            + "layer { name: \"up\" type: \"Pooling\" bottom: \"data\" top: \"up\""
            + " pooling_param { pool: MAX kernel_size: 3 stride: 2 } }\n"
            + "layer { name: \"down\" type: \"Pooling\" bottom: \"data\" top: \"down\""
            + " pooling_param { pool: MAX kernel_size: 3 stride: 2 ceil_mode: false } }\n"
            + "layer { name: \"clip\" type: \"Pooling\" bottom: \"data\" top: \"clip\""
            + " pooling_param { pool: AVE kernel_size: 2 stride: 2 pad: 1 } }\n"
            + "layer { name: \"rect\" type: \"Pooling\" bottom: \"data\" top: \"rect\""
            + " pooling_param { kernel_h: 4 kernel_w: 2 stride_h: 4 stride_w: 2 } }\n"
            + "layer { name: \"global\" type: \"Pooling\" bottom: \"data\" top: \"global\""
            + " pooling_param { pool: AVE global_pooling: true } }\n";
    CaffePrototxt.Result r = parse(text);
    assertEquals(List.of(2, 56, 56), r.outputShape("up"));
    assertEquals(List.of(2, 55, 55), r.outputShape("down"));
    // Padding adds a window: ceil((112 + 2 - 2) / 2) + 1 = 57, the last starting at 111 (inside).
    assertEquals(List.of(2, 57, 57), r.outputShape("clip"));
    assertEquals(List.of(2, 28, 56), r.outputShape("rect"));
    assertEquals(List.of(2, 1, 1), r.outputShape("global"));
    assertEquals(2.0 * 56 * 56, r.dag().layers().get(0).forwardFlops());
    assertEquals(0, r.macs());
  }

  @Test
  void parse_poolingWindowPastTheInput_isClippedAsCaffeDoes() {
    // Height 6, k 1, s 2, pad 1: ceil(7 / 2) + 1 = 5 windows, the 5th would start at padded
    // position 8, i.e. in the right padding (8 >= 6 + 1), so Caffe drops it: 4.
    // Width 5: ceil(6 / 2) + 1 = 4 windows, the 4th at 6 >= 5 + 1: dropped, 3.
    String text =
        "input: \"data\"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 6\ninput_dim: 5\n"
            + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\""
            + " pooling_param { kernel_size: 1 stride: 2 pad: 1 } }\n";
    assertEquals(List.of(1, 4, 3), parse(text).outputShape("p"));
  }

  @Test
  void parse_poolingClip_appliesToBothAxesOnceEitherIsPadded() {
    String head = "input: \"data\"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 5\ninput_dim: 5\n";
    String padded =
        head
            + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\""
            + " pooling_param { kernel_size: 1 stride: 3 pad_h: 0 pad_w: 1 } }\n";
    // Height: ceil(4 / 3) + 1 = 3, the 3rd window at 6 >= 5 + 0 is dropped because width is padded.
    assertEquals(List.of(1, 2, 2), parse(padded).outputShape("p"));
    String unpadded =
        head
            + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\""
            + " pooling_param { kernel_size: 1 stride: 3 } }\n";
    // Without any padding Caffe keeps the window that starts past the input.
    assertEquals(List.of(1, 3, 3), parse(unpadded).outputShape("p"));
  }

  @Test
  void parse_groupedAndDepthwiseConvolutions_areCountedPerGroup() {
    String text =
        "layer { name: \"data\" type: \"Input\" top: \"data\""
            + " input_param { shape: { dim: 1 dim: 8 dim: 10 dim: 10 } } }\n"
            + "layer { name: \"g\" type: \"Convolution\" bottom: \"data\" top: \"g\""
            + " convolution_param { num_output: 16 group: 4 kernel_size: 3 stride: 2 } }\n"
            + "layer { name: \"dw\" type: \"Convolution\" bottom: \"g\" top: \"dw\""
            + " convolution_param { num_output: 16 group: 16 kernel_h: 3 kernel_w: 1"
            + " pad_h: 1 pad_w: 0 bias_term: false } }\n";
    CaffePrototxt.Result r = parse(text);
    assertEquals(List.of(16, 4, 4), r.outputShape("g"));
    assertEquals(List.of(16, 4, 4), r.outputShape("dw"));
    long gMacs = 16L * 4 * 4 * (8 / 4) * 9;
    long dwMacs = 16L * 4 * 4 * 3;
    assertEquals(gMacs + dwMacs, r.macs());
    assertEquals(16 * 2 * 9 + 16 + 16 * 3, r.params());
    assertEquals(4 * 8 * 10 * 10, r.dag().inputBytes());
  }

  @Test
  void parse_v1LayersWithEnumTypes_andBranches_makeTheDag() {
    String text =
        "name: \"v1\"\ninput: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 4\ninput_dim: 4\n"
            + "layers { name: \"c1\" type: CONVOLUTION bottom: \"data\" top: \"c1\""
            + " convolution_param { num_output: 2 kernel_size: 1 } }\n"
            + "layers { name: \"r1\" type: RELU bottom: \"c1\" top: \"c1\" }\n"
            + "layers { name: \"c2\" type: CONVOLUTION bottom: \"c1\" top: \"c2\""
            + " convolution_param { num_output: 2 kernel_size: 1 } }\n"
            + "layers { name: \"sum\" type: ELTWISE bottom: \"c1\" bottom: \"c2\" top: \"sum\" }\n"
            + "layers { name: \"cat\" type: CONCAT bottom: \"sum\" bottom: \"c1\" top: \"cat\" }\n"
            + "layers { name: \"d\" type: DROPOUT bottom: \"cat\" top: \"cat\""
            + " dropout_param { dropout_ratio: 0.5 } }\n"
            + "layers { name: \"p\" type: POOLING bottom: \"cat\" top: \"p\""
            + " pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
            + "layers { name: \"fc\" type: INNER_PRODUCT bottom: \"p\" top: \"fc\""
            + " inner_product_param { num_output: 3 } }\n"
            + "layers { name: \"prob\" type: SOFTMAX bottom: \"fc\" top: \"prob\" }\n";
    CaffePrototxt.Result r = parse(text);
    DagProfile p = r.dag();
    assertEquals(
        List.of("c1", "c2", "sum", "cat", "p", "fc", "prob"),
        p.layers().stream().map(DagLayer::name).toList());
    assertEquals(List.of("c1", "c2"), p.layers().get(2).inputs());
    assertEquals(List.of("sum", "c1"), p.layers().get(3).inputs());
    assertEquals(List.of(4, 4, 4), r.outputShape("cat"));
    assertEquals(2.0 * 2 * 16 * 3 + 2 * 16, p.layers().get(0).forwardFlops(), "conv + ReLU");
    assertEquals(32.0, p.layers().get(2).forwardFlops(), "one FLOP per added element");
    assertEquals(0.0, p.layers().get(3).forwardFlops(), "concat and dropout are free");
    assertEquals(3.0, p.layers().get(6).forwardFlops());
  }

  @Test
  void parse_bottomNamingNoBlob_refusedNamingLineAndLayer() {
    String text =
        HEADER
            + "layer {\n  name: \"c\"\n  type: \"Convolution\"\n  bottom: \"dta\"\n  top: \"c\"\n"
            + "  convolution_param { num_output: 1 kernel_size: 1 }\n}\n";
    var e = refused(text);
    assertEquals(SRC + ":7: layer 'c': bottom 'dta' names no blob produced above", e.getMessage());
  }

  @Test
  void parse_unknownLayerType_refusedNamingLineAndLayer() {
    String text =
        HEADER + "layer {\n name: \"w\"\n type: \"Warp\"\n bottom: \"data\"\n top: \"w\"\n}\n";
    var e = refused(text);
    assertEquals(SRC + ":7: layer 'w': unsupported layer type Warp", e.getMessage());
    String v1 = HEADER + "layers { name: \"s\" type: SPLIT bottom: \"data\" top: \"s\" }\n";
    assertTrue(refused(v1).getMessage().contains("layer 's': unsupported layer type SPLIT"));
    // A train/val file's data layer has no bottom: its type is named, not a missing bottom.
    String data = HEADER + "layer {\n name: \"d\"\n type: \"Data\"\n top: \"x\"\n}\n";
    assertEquals(
        SRC
            + ":7: layer 'd': unsupported layer type Data (a data layer: give the network an Input"
            + " layer or input_shape)",
        refused(data).getMessage());
  }

  @Test
  void parse_malformedBlocks_refusedWithLine() {
    var unclosed = refused(HEADER + "layer {\n name: \"c\"\n type: \"ReLU\"\n");
    assertEquals(SRC + ":7: block opened here is never closed", unclosed.getMessage());
    var stray = refused(HEADER + "layer {\n name: \"c\" }\n}\n");
    assertTrue(stray.getMessage().startsWith(SRC + ":9:1: expected a field name"));
    var noValue = refused(HEADER + "layer { name: }\n");
    assertTrue(noValue.getMessage().startsWith(SRC + ":7:"), noValue.getMessage());
    var string = refused(HEADER + "layer { name: \"c }\n");
    assertTrue(string.getMessage().contains("unterminated string"), string.getMessage());
  }

  @Test
  void parse_missingFields_refusedNamingLayer() {
    String noOutput =
        HEADER
            + "layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\"\n"
            + "  convolution_param { kernel_size: 3 } }\n";
    assertEquals(SRC + ":8: layer 'c': missing field 'num_output'", refused(noOutput).getMessage());
    String noShape = "layer { name: \"c\" type: \"ReLU\" bottom: \"data\" top: \"c\" }\n";
    assertTrue(refused(noShape).getMessage().contains("names no blob"));
    String noInput = "name: \"x\"\n";
    assertTrue(refused(noInput).getMessage().contains("no input shape"));
  }

  private static final String CONV =
      HEADER + "layer { name: \"conv1\" type: \"Convolution\" bottom: \"data\" top: \"c\"\n";

  @Test
  void parse_fieldCaffeDoesNotKnow_refusedWithLineLayerAndTheNearestName() {
    var strid =
        refused(CONV + "  convolution_param { num_output: 4 kernel_size: 3\n strid: 4 } }\n");
    assertEquals(
        SRC
            + ":9: layer 'conv1': unknown field 'strid' in convolution_param (did you mean"
            + " 'stride'?)",
        strid.getMessage());
    var inLayer = refused(CONV + "  botom: \"x\"\n convolution_param { num_output: 4 } }\n");
    assertEquals(
        SRC + ":8: layer 'conv1': unknown field 'botom' in layer (did you mean 'bottom'?)",
        inLayer.getMessage());
    var top = refused("inputs: \"data\"\n" + HEADER);
    assertEquals(SRC + ":1: unknown field 'inputs' (did you mean 'input'?)", top.getMessage());
    var far = refused(CONV + "  convolution_param { num_output: 4 kernel_size: 3 zzz: 1 } }\n");
    assertEquals(
        SRC + ":8: layer 'conv1': unknown field 'zzz' in convolution_param", far.getMessage());
    var shape =
        refused(
            "input: \"data\"\ninput_shape { dim: 1 dim: 3 dims: 8 dim: 8 }\n"
                + "layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }\n");
    assertEquals(
        SRC + ":2: unknown field 'dims' in shape (did you mean 'dim'?)", shape.getMessage());
    var pool =
        refused(
            HEADER
                + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\"\n"
                + "  pooling_param { pool: MAX kernel_siz: 2 } }\n");
    assertTrue(
        pool.getMessage().startsWith(SRC + ":8: layer 'p': unknown field 'kernel_siz'"),
        pool.getMessage());
  }

  @Test
  void parse_singleValueFieldGivenTwice_refusedNamingBothLines() {
    var twice =
        refused(
            CONV + "  convolution_param { num_output: 96 kernel_size: 3\n num_output: 4096 } }\n");
    assertEquals(
        SRC
            + ":9: layer 'conv1': 'num_output' in convolution_param is given twice (first on line"
            + " 8); it takes one value",
        twice.getMessage());
    var type = refused(CONV + "  type: \"ReLU\" }\n");
    assertTrue(
        type.getMessage().startsWith(SRC + ":8: layer 'conv1': 'type' in layer is given twice"));
    // repeated fields stay repeatable: two kernel sizes (height, width) and two bottoms
    parse(CONV + "  convolution_param { num_output: 4 kernel_size: 3 kernel_size: 1 } }\n");
  }

  @Test
  void parse_enumValueCaffeDoesNotKnow_refusedListingTheValues() {
    String pool =
        HEADER
            + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\"\n"
            + "  pooling_param { pool: MAX kernel_size: 3 stride: 2\n round_mode: ";
    var lower = refused(pool + "floor } }\n");
    assertEquals(
        SRC
            + ":9: layer 'p': 'round_mode' in pooling_param must be one of CEIL, FLOOR, got"
            + " floor",
        lower.getMessage());
    assertEquals(List.of(3, 3, 3), parse(pool + "FLOOR } }\n").outputShape("p"));
    var avg = refused(pool.replace("pool: MAX", "pool: AVG") + "CEIL } }\n");
    assertTrue(avg.getMessage().contains("'pool' in pooling_param must be one of MAX, AVE,"));
    // a number, which Caffe reads as the enum's index, is refused naming the name it stands for
    var number = refused(pool + "1 } }\n");
    assertTrue(
        number
            .getMessage()
            .endsWith(
                "must be one of CEIL, FLOOR, got 1 (Caffe's number for FLOOR: write the name,"
                    + " which is what this importer reads)"),
        number.getMessage());
    var phase =
        refused(CONV + " include { phase: TRAINING }\n convolution_param { num_output: 4 } }\n");
    assertTrue(phase.getMessage().startsWith(SRC + ":8: layer 'conv1': 'phase' in include"));
    var block = refused(CONV + "  convolution_param: 4 }\n");
    assertEquals(
        SRC + ":8: layer 'conv1': 'convolution_param' in layer must be a block { ... }",
        block.getMessage());
  }

  @Test
  void parse_fieldsCaffeKnowsButTheImporterDoesNotUse_accepted() {
    String text =
        "name: \"n\"\nforce_backward: true\nstate { phase: TEST level: 2 }\n"
            + HEADER.substring(HEADER.indexOf('\n') + 1)
            + "layer { name: \"conv1\" type: \"Convolution\" bottom: \"data\" top: \"c\"\n"
            + "  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }\n"
            + "  include { phase: TEST } loss_weight: 0 propagate_down: true phase: TEST\n"
            + "  convolution_param { num_output: 4 kernel_size: 3 engine: CAFFE axis: 1\n"
            + "    weight_filler { type: \"xavier\" anything_goes: 1 } bias_filler { type: \"c\" }"
            + " } }\n"
            + "layer { name: \"p\" type: \"Pooling\" bottom: \"c\" top: \"p\"\n"
            + "  pooling_param { pool: AVE kernel_size: 2 engine: CUDNN } }\n"
            + "layer { name: \"d\" type: \"Dropout\" bottom: \"p\" top: \"p\" dropout_param {"
            + " dropout_ratio: 0.5 } }\n"
            + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"p\" top: \"fc\"\n"
            + "  inner_product_param { num_output: 2 weight_filler { type: \"gaussian\" std: 0.01 }"
            + " } }\n"
            + "layer { name: \"loss\" type: \"SoftmaxWithLoss\" bottom: \"fc\" top: \"l\" include {"
            + " phase: TRAIN } loss_param { normalize: true } }\n";
    assertEquals(3, parse(text).dag().size());
  }

  // ---- the real networks ---------------------------------------------------------------------

  private static CaffePrototxt.Result real(String file) {
    return CaffePrototxt.read(SharedData.file(CAFFE + file, "the Caffe model imports"));
  }

  private static void assertWithinOnePercent(double published, double actual, String what) {
    assertTrue(
        Math.abs(actual - published) <= 0.01 * published,
        what + ": " + actual + " is not within 1% of the published " + published);
  }

  @Test
  void read_resNet50_matchesPublishedParamsAndMacs() {
    CaffePrototxt.Result r = real("ResNet-50-deploy.prototxt");
    assertWithinOnePercent(25.6e6, r.params(), "ResNet-50 params");
    assertWithinOnePercent(3.86e9, r.macs(), "ResNet-50 MACs");
    assertEquals(4L * r.params(), r.dag().totalParamBytes());
    assertEquals(4 * 3 * 224 * 224, r.dag().inputBytes());
    long adds = r.dag().layers().stream().filter(l -> l.inputs().size() == 2).count();
    assertEquals(16, adds, "one residual add per bottleneck block");
  }

  @Test
  void read_resNet101_matchesPublishedParams() {
    assertWithinOnePercent(44.5e6, real("ResNet-101-deploy.prototxt").params(), "ResNet-101");
  }

  @Test
  void read_googLeNet_matchesPublishedFiguresAndPool1Is56() {
    CaffePrototxt.Result r = real("bvlc_googlenet_deploy.prototxt");
    assertWithinOnePercent(7.0e6, r.params(), "GoogLeNet params");
    assertWithinOnePercent(1.58e9, r.macs(), "GoogLeNet MACs");
    assertEquals(List.of(64, 56, 56), r.outputShape("pool1/3x3_s2"));
    assertEquals(List.of(1000, 1, 1), r.outputShape("prob"));
  }

  @Test
  void read_vgg19_matchesPublishedFigures() {
    CaffePrototxt.Result r = real("VGG_ILSVRC_19_layers_deploy.prototxt");
    assertWithinOnePercent(143.7e6, r.params(), "VGG-19 params");
    assertWithinOnePercent(19.6e9, r.macs(), "VGG-19 MACs");
    assertEquals(List.of(512, 7, 7), r.outputShape("pool5"));
  }

  @Test
  void read_denseNet121_matchesPublishedParams() {
    CaffePrototxt.Result r = real("DenseNet_121.prototxt");
    assertWithinOnePercent(8.0e6, r.params(), "DenseNet-121 params");
    // pool1 carries 'ceil_mode: false': 112 -> 56 (Caffe's rounding up would give 57).
    assertEquals(List.of(64, 56, 56), r.outputShape("pool1"));
  }

  @Test
  void read_allEightFiles_importWithSensibleTotals() {
    String[] files = {
      "bvlc_alexnet_deploy.prototxt",
      "bvlc_googlenet_deploy.prototxt",
      "ResNet-50-deploy.prototxt",
      "ResNet-101-deploy.prototxt",
      "DenseNet_121.prototxt",
      "mobilenet_deploy.prototxt",
      "mobilenet_v2_deploy.prototxt",
      "VGG_ILSVRC_19_layers_deploy.prototxt"
    };
    for (String f : files) {
      CaffePrototxt.Result r = real(f);
      assertTrue(r.dag().size() > 5, f);
      assertTrue(r.params() > 1_000_000, f + " params " + r.params());
      assertEquals(4L * r.params(), r.dag().totalParamBytes(), f);
      // Element-wise layers only add to the 2 FLOPs per multiply-accumulate.
      assertTrue(r.dag().totalForwardFlops() >= 2.0 * r.macs(), f);
      assertTrue(r.dag().totalForwardFlops() < 2.2 * r.macs(), f);
    }
    assertEquals(4 * 3 * 227 * 227, real("bvlc_alexnet_deploy.prototxt").dag().inputBytes());
    // MobileNet v1 as published: 4.2 M parameters and 569 M multiply-accumulates.
    CaffePrototxt.Result mobilenet = real("mobilenet_deploy.prototxt");
    assertWithinOnePercent(4.23e6, mobilenet.params(), "MobileNet params");
    assertWithinOnePercent(569e6, mobilenet.macs(), "MobileNet MACs");
  }

  @Test
  void read_missingFile_namesIt() {
    Path p = Path.of("/nonexistent/dir/x.prototxt");
    var e = assertThrows(IllegalArgumentException.class, () -> CaffePrototxt.read(p));
    assertTrue(e.getMessage().contains(p.toString()));
  }
}
