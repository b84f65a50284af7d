package io.splitemu.model.profile;

import io.splitemu.model.EditDistance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports a Caffe network definition ({@code *.prototxt}, protobuf text format) as a DAG profile.
 *
 * <p>Figures are per sample (the batch dimension is ignored) and follow FORMATS.md: FLOPs are 2 x
 * multiply-accumulates for convolution and inner product, one per output element for pooling, LRN,
 * batch-norm, scale, element-wise, activation and softmax layers, and zero for concat, flatten and
 * dropout. In-place layers (same top and bottom) are merged into the layer that produced the blob.
 * Bad input is refused with an {@link IllegalArgumentException} naming the file, the line and the
 * layer.
 */
public final class CaffePrototxt {

  /** The file name suffix of Caffe network definitions. */
  public static final String SUFFIX = ".prototxt";

  /** Bytes of one float element, the default element size. */
  static final int FLOAT_BYTES = 4;

  /**
   * Largest dimension, channel count, output count, kernel, stride, pad or dilation (2^24): real
   * networks stay below 10^5, and the cap keeps every shape sum and product exact in a long.
   */
  static final int MAX_DIM = 1 << 24;

  /** Largest per-sample tensor, in elements (2^40, 4 TiB of floats): beyond any real network. */
  static final long MAX_ELEMENTS = 1L << 40;

  /** Largest per-sample multiply-accumulate count of one layer (10^18; real ones are < 10^12). */
  static final long MAX_MACS = 1_000_000_000_000_000_000L;

  /** Deepest nesting of blocks; real files nest three deep, and the parser recurses per level. */
  static final int MAX_NESTING = 64;

  /** V1 ({@code layers {}}) enum type names and their current string equivalents. */
  private static final Map<String, String> V1_TYPES =
      Map.ofEntries(
          Map.entry("CONVOLUTION", "Convolution"),
          Map.entry("POOLING", "Pooling"),
          Map.entry("RELU", "ReLU"),
          Map.entry("SIGMOID", "Sigmoid"),
          Map.entry("TANH", "TanH"),
          Map.entry("INNER_PRODUCT", "InnerProduct"),
          Map.entry("DROPOUT", "Dropout"),
          Map.entry("SOFTMAX", "Softmax"),
          Map.entry("LRN", "LRN"),
          Map.entry("CONCAT", "Concat"),
          Map.entry("ELTWISE", "Eltwise"),
          Map.entry("FLATTEN", "Flatten"),
          Map.entry("BNLL", "BNLL"),
          Map.entry("ABSVAL", "AbsVal"),
          Map.entry("POWER", "Power"));

  /** Layer types that apply element by element and keep the shape of their single input. */
  private static final Set<String> ELEMENTWISE =
      Set.of(
          "ReLU",
          "Sigmoid",
          "TanH",
          "ELU",
          "PReLU",
          "BNLL",
          "AbsVal",
          "Power",
          "Swish",
          "ReLU6",
          "Clip",
          "BatchNorm",
          "Scale",
          "Dropout",
          "LRN",
          "Softmax");

  private CaffePrototxt() {}

  // ---------------------------------------------------------------------------------------------
  // The fields caffe.proto declares for the messages this importer reads. A name Caffe does not
  // know, a second value of a single-value field and an enum value Caffe does not know are refused,
  // as Caffe refuses them; so is an enum given by its number, which Caffe reads (the importer
  // reads names only, and the line says which name the number stands for). Fields Caffe knows but
  // the importer does not use (fillers, param, include's levels, data layers' parameters...) are
  // accepted and ignored, and the contents of blocks the importer does not read are not checked.

  /**
   * One declared field: {@code repeated} or single-valued; a block ({@code message} its schema, or
   * null when its contents are not read) or a value ({@code enumValues} its names, or null).
   */
  private record Field(boolean repeated, boolean block, Msg message, List<String> enumValues) {}

  /** One message type: its name as the block is called in the file and its fields. */
  private record Msg(String name, Map<String, Field> fields) {}

  /**
   * A message from field specs: {@code *name} repeated, {@code name{}} a block whose contents are
   * not read, {@code name=A|B} an enum; a block read by the importer is added with {@link #sub}.
   */
  private static Msg msg(String name, String... specs) {
    Map<String, Field> fields = new LinkedHashMap<>();
    for (String spec : specs) {
      boolean repeated = spec.startsWith("*");
      String f = repeated ? spec.substring(1) : spec;
      List<String> enumValues = null;
      boolean block = false;
      int eq = f.indexOf('=');
      if (eq >= 0) {
        enumValues = List.of(f.substring(eq + 1).split("\\|"));
        f = f.substring(0, eq);
      } else if (f.endsWith("{}")) {
        block = true;
        f = f.substring(0, f.length() - 2);
      }
      fields.put(f, new Field(repeated, block, null, enumValues));
    }
    return new Msg(name, fields);
  }

  /**
   * {@code m} with the block field {@code field} (repeated if {@code repeated}) read as {@code of}.
   */
  private static Msg sub(Msg m, String field, boolean repeated, Msg of) {
    Map<String, Field> fields = new LinkedHashMap<>(m.fields());
    fields.put(field, new Field(repeated, true, of, null));
    return new Msg(m.name(), fields);
  }

  private static final String ENGINE = "engine=DEFAULT|CAFFE|CUDNN";

  private static final Msg BLOB_SHAPE = msg("shape", "*dim");

  private static final Msg NET_STATE_RULE =
      msg("include", "phase=TRAIN|TEST", "min_level", "max_level", "*stage", "*not_stage");

  private static final Msg CONVOLUTION_PARAM =
      msg(
          "convolution_param",
          "num_output",
          "bias_term",
          "*pad",
          "*kernel_size",
          "*stride",
          "*dilation",
          "pad_h",
          "pad_w",
          "kernel_h",
          "kernel_w",
          "stride_h",
          "stride_w",
          "group",
          "weight_filler{}",
          "bias_filler{}",
          ENGINE,
          "axis",
          "force_nd_im2col");

  private static final Msg POOLING_PARAM =
      msg(
          "pooling_param",
          "pool=MAX|AVE|STOCHASTIC",
          "pad",
          "pad_h",
          "pad_w",
          "kernel_size",
          "kernel_h",
          "kernel_w",
          "stride",
          "stride_h",
          "stride_w",
          ENGINE,
          "global_pooling",
          "round_mode=CEIL|FLOOR",
          "ceil_mode"); // not in BVLC Caffe: a fork's field that files in use carry

  private static final Msg INNER_PRODUCT_PARAM =
      msg(
          "inner_product_param",
          "num_output",
          "bias_term",
          "weight_filler{}",
          "bias_filler{}",
          "axis",
          "transpose");

  private static final Msg INPUT_PARAM = sub(msg("input_param"), "shape", true, BLOB_SHAPE);

  private static final Msg CONCAT_PARAM = msg("concat_param", "axis", "concat_dim");

  private static final Msg PRELU_PARAM = msg("prelu_param", "filler{}", "channel_shared");

  private static final Msg SCALE_PARAM =
      msg("scale_param", "axis", "num_axes", "filler{}", "bias_term", "bias_filler{}");

  /** The layer parameters of the current format whose contents the importer does not read. */
  private static final String[] OTHER_LAYER_PARAMS = {
    "transform_param{}",
    "loss_param{}",
    "accuracy_param{}",
    "argmax_param{}",
    "batch_norm_param{}",
    "bias_param{}",
    "clip_param{}",
    "contrastive_loss_param{}",
    "crop_param{}",
    "data_param{}",
    "dropout_param{}",
    "dummy_data_param{}",
    "eltwise_param{}",
    "elu_param{}",
    "embed_param{}",
    "exp_param{}",
    "flatten_param{}",
    "hdf5_data_param{}",
    "hdf5_output_param{}",
    "hinge_loss_param{}",
    "image_data_param{}",
    "infogain_loss_param{}",
    "log_param{}",
    "lrn_param{}",
    "memory_data_param{}",
    "mvn_param{}",
    "parameter_param{}",
    "power_param{}",
    "python_param{}",
    "recurrent_param{}",
    "reduction_param{}",
    "relu_param{}",
    "reshape_param{}",
    "sigmoid_param{}",
    "softmax_param{}",
    "spp_param{}",
    "slice_param{}",
    "swish_param{}",
    "tanh_param{}",
    "threshold_param{}",
    "tile_param{}",
    "window_data_param{}",
  };

  private static final Msg LAYER = layerMsg();

  private static Msg layerMsg() {
    List<String> specs =
        new ArrayList<>(
            List.of(
                "name",
                "type",
                "*bottom",
                "*top",
                "phase=TRAIN|TEST",
                "*loss_weight",
                "*param{}",
                "*blobs{}",
                "*propagate_down",
                "*exclude{}"));
    specs.addAll(List.of(OTHER_LAYER_PARAMS));
    Msg m = msg("layer", specs.toArray(String[]::new));
    m = sub(m, "include", true, NET_STATE_RULE);
    m = sub(m, "convolution_param", false, CONVOLUTION_PARAM);
    m = sub(m, "pooling_param", false, POOLING_PARAM);
    m = sub(m, "inner_product_param", false, INNER_PRODUCT_PARAM);
    m = sub(m, "input_param", false, INPUT_PARAM);
    m = sub(m, "concat_param", false, CONCAT_PARAM);
    m = sub(m, "prelu_param", false, PRELU_PARAM);
    return sub(m, "scale_param", false, SCALE_PARAM);
  }

  /** The V1 format's layer ({@code layers {}}): its type is an enum, checked by the importer. */
  private static final Msg V1_LAYER = v1LayerMsg();

  private static Msg v1LayerMsg() {
    Msg m =
        msg(
            "layers",
            "*bottom",
            "*top",
            "name",
            "*exclude{}",
            "type",
            "*blobs{}",
            "*param",
            "*blob_share_mode=STRICT|PERMISSIVE",
            "*blobs_lr",
            "*weight_decay",
            "*loss_weight",
            "accuracy_param{}",
            "argmax_param{}",
            "contrastive_loss_param{}",
            "data_param{}",
            "dropout_param{}",
            "dummy_data_param{}",
            "eltwise_param{}",
            "exp_param{}",
            "hdf5_data_param{}",
            "hdf5_output_param{}",
            "hinge_loss_param{}",
            "image_data_param{}",
            "infogain_loss_param{}",
            "lrn_param{}",
            "memory_data_param{}",
            "mvn_param{}",
            "power_param{}",
            "relu_param{}",
            "sigmoid_param{}",
            "softmax_param{}",
            "slice_param{}",
            "tanh_param{}",
            "threshold_param{}",
            "window_data_param{}",
            "transform_param{}",
            "loss_param{}",
            "layer{}");
    m = sub(m, "include", true, NET_STATE_RULE);
    m = sub(m, "convolution_param", false, CONVOLUTION_PARAM);
    m = sub(m, "pooling_param", false, POOLING_PARAM);
    m = sub(m, "inner_product_param", false, INNER_PRODUCT_PARAM);
    return sub(m, "concat_param", false, CONCAT_PARAM);
  }

  private static final Msg NET =
      sub(
          sub(
              sub(
                  msg(
                      "the network",
                      "name",
                      "*input",
                      "*input_dim",
                      "force_backward",
                      "state{}",
                      "debug_info"),
                  "input_shape",
                  true,
                  BLOB_SHAPE),
              "layer",
              true,
              LAYER),
          "layers",
          true,
          V1_LAYER);

  /**
   * The imported network: the DAG profile plus figures needed to check published totals.
   *
   * @param dag the DAG profile (in-place layers merged)
   * @param params total trainable parameters
   * @param macs total forward multiply-accumulates of convolution and inner-product layers
   * @param shapes output shape (channels, height, width) of each DAG layer, in file order
   */
  public record Result(DagProfile dag, long params, long macs, Map<String, List<Integer>> shapes) {

    public Result {
      shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
    }

    /** Output shape (channels, height, width) of a DAG layer. */
    public List<Integer> outputShape(String layer) {
      List<Integer> s = shapes.get(layer);
      if (s == null) {
        throw new IllegalArgumentException("model " + dag.name() + " has no layer " + layer);
      }
      return s;
    }
  }

  /** Reads and imports a prototxt file with 4-byte (float) elements. */
  public static Result read(Path file) {
    return read(file, FLOAT_BYTES);
  }

  /**
   * Reads and imports a prototxt file whose tensors and weights are {@code elementBytes}-byte
   * elements (4 for float, 8 for double): output, input and parameter bytes are element counts
   * times it; FLOPs do not change.
   */
  public static Result read(Path file, int elementBytes) {
    String text = TextFiles.read(file);
    String fileName = file.getFileName().toString();
    String fallbackName =
        fileName.endsWith(SUFFIX)
            ? fileName.substring(0, fileName.length() - SUFFIX.length())
            : fileName;
    return parse(text, file.toString(), fallbackName, elementBytes);
  }

  /**
   * Imports prototxt text; {@code source} names it in error messages and {@code fallbackName} is
   * the model name if the text has no {@code name:} field.
   */
  public static Result parse(String text, String source, String fallbackName) {
    return parse(text, source, fallbackName, FLOAT_BYTES);
  }

  /** {@link #parse(String, String, String)} with {@code elementBytes}-byte elements. */
  public static Result parse(String text, String source, String fallbackName, int elementBytes) {
    if (elementBytes != 4 && elementBytes != 8) {
      throw new IllegalArgumentException("element bytes must be 4 or 8, got " + elementBytes);
    }
    try {
      Node root = new Parser(text, source).parseRoot();
      return new Builder(source, elementBytes).build(root, fallbackName);
    } catch (IllegalArgumentException e) {
      throw OneLine.refusal(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Protobuf text format: a tree of named fields, each a scalar or a nested block.

  /** One field of a text-format message: a scalar value or a nested block. */
  private record Node(String name, int line, String value, List<Node> children) {

    boolean isBlock() {
      return children != null;
    }

    List<Node> all(String field) {
      List<Node> out = new ArrayList<>();
      if (children != null) {
        for (Node c : children) {
          if (c.name.equals(field)) {
            out.add(c);
          }
        }
      }
      return out;
    }

    Node first(String field) {
      if (children != null) {
        for (Node c : children) {
          if (c.name.equals(field)) {
            return c;
          }
        }
      }
      return null;
    }
  }

  private enum Kind {
    WORD,
    STRING,
    PUNCT,
    EOF
  }

  private record Token(Kind kind, String text, int line, int column) {}

  /** Tokenizer and recursive-descent parser for the protobuf text format. */
  private static final class Parser {
    private final String text;
    private final String source;
    private int pos;
    private int line = 1;
    private int lineStart;
    private Token peeked;

    Parser(String text, String source) {
      this.text = text;
      this.source = source;
    }

    private int depth;

    Node parseRoot() {
      List<Node> fields = parseFields(null);
      return new Node("", 1, null, fields);
    }

    /** Parses fields until the closing punctuation {@code close}, or to the end if null. */
    private List<Node> parseFields(Token open) {
      if (open != null && ++depth > MAX_NESTING) {
        throw new IllegalArgumentException(
            source + ":" + open.line + ": blocks nested more than " + MAX_NESTING + " deep");
      }
      try {
        return parseFieldsBody(open);
      } finally {
        if (open != null) {
          depth--;
        }
      }
    }

    private List<Node> parseFieldsBody(Token open) {
      String close = open == null ? null : (open.text.equals("<") ? ">" : "}");
      List<Node> fields = new ArrayList<>();
      while (true) {
        Token t = next();
        if (t.kind == Kind.EOF) {
          if (open != null) {
            throw new IllegalArgumentException(
                source + ":" + open.line + ": block opened here is never closed");
          }
          return fields;
        }
        if (t.kind == Kind.PUNCT && t.text.equals(close)) {
          return fields;
        }
        if (t.kind == Kind.PUNCT && (t.text.equals(",") || t.text.equals(";"))) {
          continue;
        }
        if (t.kind != Kind.WORD) {
          throw error(t, "expected a field name");
        }
        Token after = next();
        boolean colon = after.kind == Kind.PUNCT && after.text.equals(":");
        if (colon) {
          after = next();
        }
        if (after.kind == Kind.PUNCT && (after.text.equals("{") || after.text.equals("<"))) {
          fields.add(new Node(t.text, t.line, null, parseFields(after)));
        } else if (!colon) {
          throw error(after, "expected ':' or '{' after field '" + t.text + "'");
        } else if (after.kind == Kind.PUNCT && after.text.equals("[")) {
          parseList(t, fields);
        } else if (after.kind == Kind.WORD || after.kind == Kind.STRING) {
          fields.add(new Node(t.text, t.line, after.text, null));
        } else {
          throw error(after, "expected a value for field '" + t.text + "'");
        }
      }
    }

    private void parseList(Token name, List<Node> into) {
      while (true) {
        Token v = next();
        if (v.kind == Kind.PUNCT && v.text.equals("]")) {
          return;
        }
        if (v.kind == Kind.PUNCT && v.text.equals(",")) {
          continue;
        }
        if (v.kind == Kind.WORD || v.kind == Kind.STRING) {
          into.add(new Node(name.text, v.line, v.text, null));
        } else if (v.kind == Kind.PUNCT && v.text.equals("{")) {
          into.add(new Node(name.text, v.line, null, parseFields(v)));
        } else {
          throw error(v, "expected a value or ']' in the list of '" + name.text + "'");
        }
      }
    }

    private IllegalArgumentException error(Token t, String expected) {
      String found = t.kind == Kind.EOF ? "end of file" : "'" + t.text + "'";
      return new IllegalArgumentException(
          source + ":" + t.line + ":" + t.column + ": " + expected + ", found " + found);
    }

    private Token next() {
      if (peeked != null) {
        Token t = peeked;
        peeked = null;
        return t;
      }
      skipSpaceAndComments();
      if (pos >= text.length()) {
        return new Token(Kind.EOF, "", line, pos - lineStart + 1);
      }
      int startLine = line;
      int column = pos - lineStart + 1;
      char c = text.charAt(pos);
      if (c == '"' || c == '\'') {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
          if (pos >= text.length() || text.charAt(pos) == '\n') {
            throw new IllegalArgumentException(
                source + ":" + startLine + ":" + column + ": unterminated string");
          }
          char d = text.charAt(pos++);
          if (d == c) {
            break;
          }
          if (d == '\\' && pos < text.length()) {
            char e = text.charAt(pos++);
            sb.append(
                switch (e) {
                  case 'n' -> '\n';
                  case 't' -> '\t';
                  default -> e;
                });
          } else {
            sb.append(d);
          }
        }
        return new Token(Kind.STRING, sb.toString(), startLine, column);
      }
      if ("{}<>[]:,;".indexOf(c) >= 0) {
        pos++;
        return new Token(Kind.PUNCT, String.valueOf(c), startLine, column);
      }
      int start = pos;
      while (pos < text.length() && isWordChar(text.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw new IllegalArgumentException(
            source + ":" + startLine + ":" + column + ": unexpected character '" + c + "'");
      }
      return new Token(Kind.WORD, text.substring(start, pos), startLine, column);
    }

    private static boolean isWordChar(char c) {
      return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-' || c == '+';
    }

    private void skipSpaceAndComments() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c == '\n') {
          pos++;
          line++;
          lineStart = pos;
        } else if (Character.isWhitespace(c)) {
          pos++;
        } else if (c == '#') {
          while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
          }
        } else {
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Network semantics: shapes, costs and edges.

  /** A DAG layer under construction; in-place layers add their costs to it. */
  private static final class Acc {
    final String name;
    final List<String> inputs;
    final int line;
    double flops;
    long params;
    long macs;
    int[] shape;

    Acc(String name, List<String> inputs, int line) {
      this.name = name;
      this.inputs = inputs;
      this.line = line;
    }
  }

  /** A blob: its shape (channels, height, width) and the DAG layer that produced it. */
  private record Blob(Acc producer, int[] shape) {}

  /** Turns the parsed tree into layers, one Caffe layer at a time in file order. */
  private static final class Builder {
    private final String source;
    private final Map<String, Blob> blobs = new HashMap<>();
    private final Map<String, Acc> layers = new LinkedHashMap<>();
    private final int elementBytes;
    private long inputElements = -1;

    Builder(String source, int elementBytes) {
      this.source = source;
      this.elementBytes = elementBytes;
    }

    Result build(Node root, String fallbackName) {
      check(root, NET, null);
      Node nameNode = root.first("name");
      String model = nameNode != null && nameNode.value() != null ? nameNode.value() : fallbackName;
      legacyInputs(root);
      for (Node field : root.children()) {
        if (field.name().equals("layer") || field.name().equals("layers")) {
          if (!field.isBlock()) {
            throw new IllegalArgumentException(
                source + ":" + field.line() + ": '" + field.name() + "' must be a block { ... }");
          }
          layer(field, field.name().equals("layers"));
        }
      }
      if (inputElements < 0) {
        throw new IllegalArgumentException(
            source
                + ": no input shape: expected 'input' with 'input_dim' lines, 'input_shape', or an"
                + " Input layer");
      }
      if (layers.isEmpty()) {
        throw new IllegalArgumentException(source + ": no layers");
      }
      if (layers.size() > DagJson.MAX_LAYERS) {
        throw new IllegalArgumentException(
            source + ": " + layers.size() + " layers, more than " + DagJson.MAX_LAYERS);
      }
      if (inputElements > DagJson.MAX_BYTES / elementBytes) {
        throw new IllegalArgumentException(
            source
                + ": the input's "
                + inputElements
                + " elements of "
                + elementBytes
                + " bytes exceed the limit of 2^42 bytes (4 TiB)");
      }
      List<DagLayer> dag = new ArrayList<>();
      Map<String, List<Integer>> shapes = new LinkedHashMap<>();
      long params = 0;
      long macs = 0;
      for (Acc a : layers.values()) {
        long elements = (long) a.shape[0] * a.shape[1] * a.shape[2]; // checked per layer
        // The limit of a *.dag.json field (2^42 bytes): over at most MAX_LAYERS layers every
        // total of a model stays inside a long.
        long outputBytes = bytes(a, elements, "output");
        long paramBytes = bytes(a, a.params, "parameter");
        try {
          dag.add(new DagLayer(a.name, a.inputs, a.flops, 2 * a.flops, outputBytes, paramBytes));
          params = Math.addExact(params, a.params);
          macs = Math.addExact(macs, a.macs);
        } catch (ArithmeticException e) {
          throw new IllegalArgumentException(
              source
                  + ": layer '"
                  + a.name
                  + "': parameter or multiply-accumulate totals exceed"
                  + " a 64-bit count");
        }
        shapes.put(a.name, List.of(a.shape[0], a.shape[1], a.shape[2]));
      }
      DagProfile profile;
      try {
        profile = new DagProfile(model, elementBytes * inputElements, dag);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
      }
      return new Result(profile, params, macs, shapes);
    }

    /**
     * {@code count} elements of layer {@code a} in bytes, refused above {@link DagJson#MAX_BYTES}
     * with the layer's line.
     */
    private long bytes(Acc a, long count, String what) {
      if (count > DagJson.MAX_BYTES / elementBytes) {
        throw new IllegalArgumentException(
            source
                + ":"
                + a.line
                + ": layer '"
                + a.name
                + "': "
                + count
                + " "
                + what
                + " elements of "
                + elementBytes
                + " bytes exceed the limit of 2^42 bytes (4 TiB) per layer");
      }
      return count * elementBytes;
    }

    /** The header form: {@code input: "data"} with four {@code input_dim} or an input_shape. */
    private void legacyInputs(Node root) {
      List<Node> inputs = root.all("input");
      if (inputs.isEmpty()) {
        return;
      }
      if (inputs.size() > 1) {
        throw new IllegalArgumentException(
            source + ":" + inputs.get(1).line() + ": only one network input is supported");
      }
      Node input = inputs.get(0);
      List<Node> dims = root.all("input_dim");
      if (dims.isEmpty()) {
        Node shape = root.first("input_shape");
        if (shape != null) {
          dims = shape.all("dim");
        }
      }
      if (dims.isEmpty()) {
        throw new IllegalArgumentException(
            source
                + ":"
                + input.line()
                + ": input '"
                + input.value()
                + "' has no shape: expected input_dim lines or input_shape { dim ... }");
      }
      defineInput(input.value(), dims, input.line(), "input '" + input.value() + "'");
    }

    private void defineInput(String blob, List<Node> dims, int line, String what) {
      if (inputElements >= 0) {
        throw new IllegalArgumentException(
            source + ":" + line + ": " + what + ": only one network input is supported");
      }
      if (dims.size() < 2 || dims.size() > 4) {
        throw new IllegalArgumentException(
            source
                + ":"
                + line
                + ": "
                + what
                + ": expected 2 to 4 dims (batch first), got "
                + dims.size());
      }
      // The first dim is the batch; figures are per sample.
      int[] shape = {1, 1, 1};
      for (int i = 1; i < dims.size(); i++) {
        shape[i - 1] = positiveInt(dims.get(i), what);
      }
      inputElements = elements(dims.get(0), what, shape);
      blobs.put(blob, new Blob(null, shape));
    }

    private void layer(Node l, boolean v1) {
      Node nameNode = l.first("name");
      if (nameNode == null || nameNode.value() == null || nameNode.value().isBlank()) {
        throw new IllegalArgumentException(
            source + ":" + l.line() + ": a layer has no name (missing field 'name')");
      }
      String name = nameNode.value();
      String what = "layer '" + name + "'";
      if (isTrainOnly(l)) {
        return;
      }
      Node typeNode = l.first("type");
      if (typeNode == null || typeNode.value() == null) {
        throw fail(l, what, "missing field 'type'");
      }
      String type = typeNode.value();
      if (v1) {
        String mapped = V1_TYPES.get(type);
        if (mapped == null) {
          throw fail(typeNode, what, "unsupported layer type " + type);
        }
        type = mapped;
      }
      List<String> bottoms = values(l, "bottom");
      List<String> tops = values(l, "top");
      if (type.equals("Input")) {
        if (tops.size() != 1) {
          throw fail(l, what, "an Input layer needs exactly one top");
        }
        Node param = l.first("input_param");
        Node shape = param == null ? null : param.first("shape");
        if (shape == null) {
          throw fail(l, what, "missing input_param { shape { dim ... } }");
        }
        defineInput(tops.get(0), shape.all("dim"), l.line(), what);
        return;
      }
      if (layers.containsKey(name) || DagProfile.INPUT.equals(name)) {
        throw fail(nameNode, what, "duplicate layer name");
      }
      if (bottoms.isEmpty()) {
        // A train/val file's data layers read no blob: name the type, not a missing bottom.
        throw fail(
            l,
            what,
            type.endsWith("Data")
                ? "unsupported layer type "
                    + type
                    + " (a data layer: give the network an Input layer or input_shape)"
                : "missing field 'bottom'");
      }
      if (tops.size() != 1) {
        throw fail(l, what, "expected exactly one 'top', got " + tops.size());
      }
      List<Blob> in = new ArrayList<>();
      for (String b : bottoms) {
        Blob blob = blobs.get(b);
        if (blob == null) {
          throw fail(l, what, "bottom '" + b + "' names no blob produced above");
        }
        in.add(blob);
      }
      int[] inShape = in.get(0).shape;
      Cost cost = cost(l, what, type, in);
      if (cost.shape != null) {
        elements(l, what, cost.shape); // refuses an output beyond MAX_ELEMENTS
      }
      String top = tops.get(0);
      boolean inPlace = bottoms.size() == 1 && top.equals(bottoms.get(0));
      if (inPlace && ELEMENTWISE.contains(type) && in.get(0).producer != null) {
        Acc target = in.get(0).producer;
        target.flops += cost.flops;
        target.params += cost.params;
        target.macs += cost.macs;
        return;
      }
      if (inPlace && !ELEMENTWISE.contains(type)) {
        throw fail(l, what, type + " cannot run in place (top equals bottom)");
      }
      List<String> inputs = new ArrayList<>();
      for (Blob b : in) {
        String producer = b.producer == null ? DagProfile.INPUT : b.producer.name;
        if (!inputs.contains(producer)) {
          inputs.add(producer);
        }
      }
      Acc acc = new Acc(name, inputs, l.line());
      acc.flops = cost.flops;
      acc.params = cost.params;
      acc.macs = cost.macs;
      acc.shape = cost.shape == null ? inShape : cost.shape;
      layers.put(name, acc);
      blobs.put(top, new Blob(acc, acc.shape));
    }

    private record Cost(double flops, long params, long macs, int[] shape) {}

    /**
     * Refuses a field {@code m} does not declare, a second value of a single-value field, a value
     * where a block belongs (or the reverse) and an enum value {@code m} does not declare; then
     * checks the blocks the importer reads. {@code what} names the layer, or is null outside one.
     */
    private void check(Node block, Msg m, String what) {
      if (m == LAYER || m == V1_LAYER) {
        Node n = block.first("name");
        what = "layer '" + (n == null || n.value() == null ? "?" : n.value()) + "'";
      }
      String prefix = what == null ? "" : what + ": ";
      String in = m == NET ? "" : " in " + m.name();
      Map<String, Node> seen = new HashMap<>();
      for (Node c : block.children()) {
        String at = source + ":" + c.line() + ": " + prefix;
        Field f = m.fields().get(c.name());
        if (f == null) {
          String close = closest(c.name(), m.fields().keySet());
          throw new IllegalArgumentException(
              at
                  + "unknown field '"
                  + c.name()
                  + "'"
                  + in
                  + (close == null ? "" : " (did you mean '" + close + "'?)"));
        }
        Node before = seen.putIfAbsent(c.name(), c);
        if (before != null && !f.repeated()) {
          throw new IllegalArgumentException(
              at
                  + "'"
                  + c.name()
                  + "'"
                  + in
                  + " is given twice (first on line "
                  + before.line()
                  + "); it takes one value");
        }
        if (f.block() != c.isBlock()) {
          throw new IllegalArgumentException(
              at
                  + "'"
                  + c.name()
                  + "'"
                  + in
                  + (f.block() ? " must be a block { ... }" : " takes a value, not a block"));
        }
        if (f.enumValues() != null && !f.enumValues().contains(c.value())) {
          throw new IllegalArgumentException(
              at
                  + "'"
                  + c.name()
                  + "'"
                  + in
                  + " must be one of "
                  + String.join(", ", f.enumValues())
                  + ", got "
                  + c.value()
                  + enumNumberHint(f.enumValues(), c.value()));
        }
        if (f.message() != null) {
          check(c, f.message(), what);
        }
      }
    }

    /** The name in {@code names} nearest {@code name} if a slip of at most two edits, else null. */
    private static String closest(String name, Set<String> names) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String n : names) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        int d =
            lower.length() > 64 || n.length() > 64
                ? Integer.MAX_VALUE
                : EditDistance.between(lower, n);
        if (d < bestDistance) {
          best = n;
          bestDistance = d;
        }
      }
      return bestDistance <= Math.min(2, Math.max(1, name.length() / 3)) ? best : null;
    }

    private Cost cost(Node l, String what, String type, List<Blob> in) {
      int[] s = in.get(0).shape;
      if (!type.equals("Concat") && !type.equals("Eltwise") && in.size() != 1) {
        throw fail(l, what, type + " takes one bottom, got " + in.size());
      }
      long el = elements(l, what, s);
      switch (type) {
        case "Convolution":
          return convolution(l, what, s);
        case "Pooling":
          return pooling(l, what, s);
        case "InnerProduct":
          {
            Node p = requireBlock(l, "inner_product_param", what);
            long out = positiveInt(require(p, "num_output", what), what);
            long macs = macs(l, what, el, out, 1);
            long params = macs + (bool(p, "bias_term", true) ? out : 0);
            return new Cost(2.0 * macs, params, macs, new int[] {(int) out, 1, 1});
          }
        case "ReLU":
        case "Sigmoid":
        case "TanH":
        case "ELU":
        case "BNLL":
        case "AbsVal":
        case "Power":
        case "Swish":
        case "ReLU6":
        case "Clip":
        case "BatchNorm":
        case "LRN":
        case "Softmax":
          return new Cost(el, 0, 0, s);
        case "PReLU":
          {
            Node p = l.first("prelu_param");
            boolean shared = p != null && bool(p, "channel_shared", false);
            return new Cost(el, shared ? 1 : s[0], 0, s);
          }
        case "Scale":
          {
            Node p = l.first("scale_param");
            boolean bias = p != null && bool(p, "bias_term", false);
            return new Cost(el, bias ? 2L * s[0] : s[0], 0, s);
          }
        case "Dropout":
          return new Cost(0, 0, 0, s);
        case "Flatten":
          if (el > MAX_DIM) {
            throw fail(l, what, "Flatten of " + el + " elements exceeds " + MAX_DIM + " channels");
          }
          return new Cost(0, 0, 0, new int[] {(int) el, 1, 1});
        case "Concat":
          return concat(l, what, in);
        case "Eltwise":
          for (Blob b : in) {
            if (!Arrays.equals(b.shape, s)) {
              throw fail(
                  l,
                  what,
                  "Eltwise bottoms differ in shape: "
                      + shapeText(s)
                      + " and "
                      + shapeText(b.shape));
            }
          }
          return new Cost(el, 0, 0, s);
        default:
          throw fail(l, what, "unsupported layer type " + type);
      }
    }

    private Cost convolution(Node l, String what, int[] s) {
      Node p = requireBlock(l, "convolution_param", what);
      int out = positiveInt(require(p, "num_output", what), what);
      int[] k = pair(p, "kernel_size", "kernel_h", "kernel_w", -1, what);
      if (k[0] < 0 || k[1] < 0) {
        throw fail(p, what, "missing field 'kernel_size' (or kernel_h and kernel_w)");
      }
      atLeastOne(p, what, "kernel_size", k);
      int[] st = pair(p, "stride", "stride_h", "stride_w", 1, what);
      atLeastOne(p, what, "stride", st);
      int[] pad = pair(p, "pad", "pad_h", "pad_w", 0, what);
      int[] dil = pair(p, "dilation", null, null, 1, what);
      atLeastOne(p, what, "dilation", dil);
      Node g = p.first("group");
      int group = g == null ? 1 : positiveInt(g, what);
      if (s[0] % group != 0 || out % group != 0) {
        throw fail(
            p,
            what,
            "group "
                + group
                + " does not divide input channels "
                + s[0]
                + " and num_output "
                + out);
      }
      // longs: each term is below 2^25 and the dilated kernel below 2^48
      long ohl = Math.floorDiv(s[1] + 2L * pad[0] - ((long) dil[0] * (k[0] - 1) + 1), st[0]) + 1;
      long owl = Math.floorDiv(s[2] + 2L * pad[1] - ((long) dil[1] * (k[1] - 1) + 1), st[1]) + 1;
      if (ohl < 1 || owl < 1) {
        throw fail(l, what, "kernel larger than the padded input " + shapeText(s));
      }
      int oh = (int) ohl; // at most the input size plus twice the pad, below 2^26
      int ow = (int) owl;
      long perOutput = macs(l, what, s[0] / group, k[0], k[1]);
      long macs = macs(l, what, elements(l, what, new int[] {out, oh, ow}), perOutput, 1);
      long params = out * perOutput + (bool(p, "bias_term", true) ? out : 0);
      return new Cost(2.0 * macs, params, macs, new int[] {out, oh, ow});
    }

    private Cost pooling(Node l, String what, int[] s) {
      Node p = requireBlock(l, "pooling_param", what);
      int oh;
      int ow;
      if (bool(p, "global_pooling", false)) {
        oh = 1;
        ow = 1;
      } else {
        int[] k = pair(p, "kernel_size", "kernel_h", "kernel_w", -1, what);
        if (k[0] < 0 || k[1] < 0) {
          throw fail(p, what, "missing field 'kernel_size' (or kernel_h and kernel_w)");
        }
        atLeastOne(p, what, "kernel_size", k);
        int[] st = pair(p, "stride", "stride_h", "stride_w", 1, what);
        atLeastOne(p, what, "stride", st);
        int[] pad = pair(p, "pad", "pad_h", "pad_w", 0, what);
        // Caffe rounds up; 'ceil_mode: false' (a fork's field) and 'round_mode: FLOOR' round down.
        boolean ceil = bool(p, "ceil_mode", true);
        Node round = p.first("round_mode");
        if (round != null && "FLOOR".equals(round.value())) {
          ceil = false;
        }
        boolean padded = pad[0] > 0 || pad[1] > 0;
        oh = poolSize(s[1], k[0], st[0], pad[0], ceil, padded);
        ow = poolSize(s[2], k[1], st[1], pad[1], ceil, padded);
        if (oh < 1 || ow < 1) {
          throw fail(l, what, "pooling window larger than the padded input " + shapeText(s));
        }
      }
      int[] shape = {s[0], oh, ow};
      return new Cost(elements(l, what, shape), 0, 0, shape);
    }

    private static int poolSize(int in, int k, int stride, int pad, boolean ceil, boolean padded) {
      long span = in + 2L * pad - k; // every term below 2^25
      long out = (ceil ? -Math.floorDiv(-span, stride) : Math.floorDiv(span, stride)) + 1;
      // As Caffe does when either axis is padded: the last window must start inside the image or
      // its left padding, never in the right padding alone.
      if (padded && (out - 1) * stride >= (long) in + pad) {
        out--;
      }
      return (int) Math.max(out, 0); // below 2^26: a negative span gives 0 or less
    }

    private Cost concat(Node l, String what, List<Blob> in) {
      Node p = l.first("concat_param");
      int axis = 1;
      if (p != null) {
        Node a = p.first("axis") != null ? p.first("axis") : p.first("concat_dim");
        if (a != null) {
          axis = integer(a, what);
        }
      }
      if (axis != 1 && axis != -3) {
        throw fail(l, what, "only channel concatenation (axis 1) is supported, got axis " + axis);
      }
      int[] s = in.get(0).shape;
      long channels = 0;
      for (Blob b : in) {
        if (b.shape[1] != s[1] || b.shape[2] != s[2]) {
          throw fail(
              l,
              what,
              "Concat bottoms differ in height/width: "
                  + shapeText(s)
                  + " and "
                  + shapeText(b.shape));
        }
        channels += b.shape[0];
      }
      if (channels > MAX_DIM) {
        throw fail(l, what, "Concat of " + channels + " channels exceeds " + MAX_DIM);
      }
      return new Cost(0, 0, 0, new int[] {(int) channels, s[1], s[2]});
    }

    /** A square or per-axis value: {@code name} (once or twice), or {@code nameH}/{@code nameW}. */
    private int[] pair(Node p, String name, String nameH, String nameW, int dflt, String what) {
      List<Node> both = p.all(name);
      Node h = nameH == null ? null : p.first(nameH);
      Node w = nameW == null ? null : p.first(nameW);
      if (h != null || w != null) {
        if (h == null || w == null || !both.isEmpty()) {
          throw fail(p, what, "give either " + name + " or both " + nameH + " and " + nameW);
        }
        return new int[] {nonNegativeInt(h, what), nonNegativeInt(w, what)};
      }
      if (both.isEmpty()) {
        return new int[] {dflt, dflt};
      }
      if (both.size() > 2) {
        throw fail(both.get(2), what, "at most two values of " + name + " (height, width)");
      }
      int first = nonNegativeInt(both.get(0), what);
      int second = both.size() == 2 ? nonNegativeInt(both.get(1), what) : first;
      return new int[] {first, second};
    }

    private void atLeastOne(Node p, String what, String name, int[] pair) {
      if (pair[0] < 1 || pair[1] < 1) {
        throw fail(p, what, "'" + name + "' must be >= 1, got " + pair[0] + " and " + pair[1]);
      }
    }

    /** c x h x w, refused above {@link #MAX_ELEMENTS} with the layer's line. */
    private long elements(Node at, String what, int[] shape) {
      long e = (long) shape[0] * shape[1]; // both below 2^25: exact
      if (e > MAX_ELEMENTS || e * shape[2] > MAX_ELEMENTS) {
        throw fail(
            at,
            what,
            "a tensor of "
                + shapeText(shape)
                + " elements per sample exceeds the limit of 2^40 (4 TiB of floats)");
      }
      return e * shape[2];
    }

    /** a x b x c multiply-accumulates, exact, refused above {@link #MAX_MACS}. */
    private long macs(Node at, String what, long a, long b, long c) {
      try {
        long m = Math.multiplyExact(Math.multiplyExact(a, b), c);
        if (m <= MAX_MACS) {
          return m;
        }
      } catch (ArithmeticException e) {
        // beyond a long: refused below like any count above the limit
      }
      throw fail(
          at,
          what,
          "about "
              + String.format(java.util.Locale.ROOT, "%.3g", (double) a * b * c)
              + " multiply-accumulates per sample exceed the limit of 1e18");
    }

    private boolean isTrainOnly(Node l) {
      for (Node inc : l.all("include")) {
        Node phase = inc.first("phase");
        if (phase != null && "TRAIN".equals(phase.value())) {
          return true;
        }
      }
      return false;
    }

    private static List<String> values(Node l, String field) {
      List<String> out = new ArrayList<>();
      for (Node n : l.all(field)) {
        if (n.value() != null) {
          out.add(n.value());
        }
      }
      return out;
    }

    private Node requireBlock(Node l, String field, String what) {
      Node p = l.first(field);
      if (p == null || !p.isBlock()) {
        throw fail(l, what, "missing block '" + field + " { ... }'");
      }
      return p;
    }

    private Node require(Node p, String field, String what) {
      Node n = p.first(field);
      if (n == null || n.value() == null) {
        throw fail(p, what, "missing field '" + field + "'");
      }
      return n;
    }

    private boolean bool(Node p, String field, boolean dflt) {
      Node n = p.first(field);
      if (n == null) {
        return dflt;
      }
      if ("true".equals(n.value())) {
        return true;
      }
      if ("false".equals(n.value())) {
        return false;
      }
      throw new IllegalArgumentException(
          source + ":" + n.line() + ": '" + field + "' must be true or false, got " + n.value());
    }

    private int integer(Node n, String what) {
      try {
        return Integer.parseInt(n.value());
      } catch (NumberFormatException | NullPointerException e) {
        throw fail(n, what, "'" + n.name() + "' must be an integer, got " + n.value());
      }
    }

    private int nonNegativeInt(Node n, String what) {
      int v = integer(n, what);
      if (v < 0 || v > MAX_DIM) {
        throw fail(n, what, "'" + n.name() + "' must be in [0, " + MAX_DIM + "], got " + v);
      }
      return v;
    }

    private int positiveInt(Node n, String what) {
      int v = integer(n, what);
      if (v < 1 || v > MAX_DIM) {
        throw fail(n, what, "'" + n.name() + "' must be in [1, " + MAX_DIM + "], got " + v);
      }
      return v;
    }

    private IllegalArgumentException fail(Node at, String what, String message) {
      return new IllegalArgumentException(source + ":" + at.line() + ": " + what + ": " + message);
    }
  }

  private static String shapeText(int[] s) {
    return s[0] + "x" + s[1] + "x" + s[2];
  }

  /**
   * Where {@code value} is an enum's number, as protobuf's text format allows ({@code pool: 1}),
   * the name it stands for: the names are listed in caffe.proto's order, so its number is its
   * index.
   */
  private static String enumNumberHint(List<String> names, String value) {
    if (value.matches("\\d{1,9}") && Integer.parseInt(value) < names.size()) {
      return " (Caffe's number for "
          + names.get(Integer.parseInt(value))
          + ": write the name, which is what this importer reads)";
    }
    return "";
  }
}
