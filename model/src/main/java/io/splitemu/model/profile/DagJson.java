package io.splitemu.model.profile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.model.EditDistance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes DAG model profiles in the {@code *.dag.json} format of FORMATS.md.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} with a one-line message that names the
 * file and, where it applies, the layer or the line and column.
 */
public final class DagJson {

  /** The file name suffix of DAG profiles. */
  public static final String SUFFIX = ".dag.json";

  // NaN and Infinity are accepted by the parser only so that they can be refused with the layer
  // name rather than with a bare syntax error.
  private static final ObjectMapper MAPPER =
      JsonMapper.builder(new JsonFactory())
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private DagJson() {}

  /** Reads a profile from a file; the file name appears in every error message. */
  public static DagProfile read(Path file) {
    return parse(TextFiles.read(file), file.toString());
  }

  /**
   * Largest FLOP count of one layer per sample (10^21; real layers stay below 10^13): twice it, the
   * default backward count, and sums over {@link #MAX_LAYERS} layers stay finite and exact enough.
   */
  static final double MAX_FLOPS = 1e21;

  /** Largest byte count of one field (2^42, 4 TiB per sample): sums over all layers fit a long. */
  static final long MAX_BYTES = 1L << 42;

  /** Most layers in one profile (real networks have a few thousand). */
  static final int MAX_LAYERS = 1_000_000;

  /** Parses a profile from JSON text; {@code source} names the text in error messages. */
  public static DagProfile parse(String json, String source) {
    try {
      return parseChecked(json, source);
    } catch (IllegalArgumentException e) {
      throw OneLine.refusal(e);
    }
  }

  private static DagProfile parseChecked(String json, String source) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new IllegalArgumentException(
          source + ": malformed JSON" + where + ": " + e.getOriginalMessage().split("\n")[0]);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a JSON object at the top level");
    }
    knownFields(root, MODEL_FIELDS, source, "the model");
    String name = requireText(root, "name", source, "the model");
    long inputBytes = requireCount(root, "inputBytes", source, "the model");
    JsonNode layersNode = root.get("layers");
    if (layersNode == null || !layersNode.isArray()) {
      throw new IllegalArgumentException(
          source + ": the model needs a \"layers\" array (missing required field)");
    }
    if (layersNode.isEmpty()) {
      throw new IllegalArgumentException(source + ": the model has no layers");
    }
    if (layersNode.size() > MAX_LAYERS) {
      throw new IllegalArgumentException(
          source + ": the model has " + layersNode.size() + " layers, more than " + MAX_LAYERS);
    }
    List<DagLayer> layers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int index = 0;
    for (JsonNode l : layersNode) {
      index++;
      String what = "layer #" + index;
      if (!l.isObject()) {
        throw new IllegalArgumentException(source + ": " + what + " is not a JSON object");
      }
      JsonNode nameNode = l.get("name");
      if (nameNode == null) {
        throw new IllegalArgumentException(
            source + ": " + what + ": missing required field \"name\" (a string)");
      }
      if (!nameNode.isTextual()) {
        throw new IllegalArgumentException(
            source + ": " + what + ": \"name\" must be a string, got " + describe(nameNode));
      }
      String layerName = nameNode.asText();
      if (layerName.isBlank()) {
        throw new IllegalArgumentException(source + ": " + what + " has an empty name");
      }
      what = "layer " + layerName;
      if (DagProfile.INPUT.equals(layerName)) {
        throw new IllegalArgumentException(
            source + ": " + what + ": the name \"input\" is reserved for the raw input");
      }
      if (!names.add(layerName)) {
        throw new IllegalArgumentException(source + ": duplicate layer name " + layerName);
      }
      knownFields(l, LAYER_FIELDS, source, what);
      JsonNode inputsNode = l.get("inputs");
      if (inputsNode == null || !inputsNode.isArray() || inputsNode.isEmpty()) {
        throw new IllegalArgumentException(
            source + ": " + what + ": missing required field \"inputs\" (a non-empty array)");
      }
      List<String> inputs = new ArrayList<>();
      for (JsonNode in : inputsNode) {
        if (!in.isTextual() || in.asText().isBlank()) {
          throw new IllegalArgumentException(
              source + ": " + what + ": \"inputs\" must hold layer names, got " + in);
        }
        inputs.add(in.asText());
      }
      double forward = requireFlops(l, "forwardFlops", source, what);
      // optional: absent or null is twice the forward FLOPs
      double backward =
          l.hasNonNull("backwardFlops")
              ? requireFlops(l, "backwardFlops", source, what)
              : 2 * forward;
      long outputBytes = requireCount(l, "outputBytes", source, what);
      long paramBytes = requireCount(l, "paramBytes", source, what);
      layers.add(new DagLayer(layerName, inputs, forward, backward, outputBytes, paramBytes));
    }
    for (DagLayer l : layers) {
      for (String in : l.inputs()) {
        if (!DagProfile.INPUT.equals(in) && !names.contains(in)) {
          throw new IllegalArgumentException(
              source + ": layer " + l.name() + " reads \"" + in + "\", which names no layer");
        }
      }
    }
    try {
      return new DagProfile(name, inputBytes, layers);
    } catch (IllegalArgumentException e) {
      // The remaining check there is the cycle; its message names a layer on the cycle.
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /** The fields of the model object, in the order they are written. */
  private static final List<String> MODEL_FIELDS = List.of("name", "inputBytes", "layers");

  /** The fields of a layer object, in the order they are written. */
  private static final List<String> LAYER_FIELDS =
      List.of("name", "inputs", "forwardFlops", "backwardFlops", "outputBytes", "paramBytes");

  /**
   * Refuses a field of {@code o} not in {@code known}: a misspelt optional field would otherwise be
   * ignored silently ({@code "backwardFLOPS"} fell back to twice the forward FLOPs).
   */
  private static void knownFields(JsonNode o, List<String> known, String source, String what) {
    var names = o.fieldNames();
    while (names.hasNext()) {
      String f = names.next();
      if (!known.contains(f)) {
        String close = null;
        for (String k : known) {
          if (k.equalsIgnoreCase(f) || nearlyEqual(f, k)) {
            close = k;
            break;
          }
        }
        throw new IllegalArgumentException(
            source
                + ": "
                + what
                + ": unknown field \""
                + f
                + "\""
                + (close == null
                    ? " (fields: " + String.join(", ", known) + ")"
                    : " (did you mean \"" + close + "\"?)"));
      }
    }
  }

  /** Whether a and b differ by at most two single-character edits (a slip, not another name). */
  private static boolean nearlyEqual(String a, String b) {
    return Math.abs(a.length() - b.length()) <= 2
        && a.length() <= 64
        && EditDistance.between(a, b) <= 2;
  }

  /** Writes a profile as JSON text (layers in the profile's topological order). */
  public static String toJson(DagProfile profile) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", profile.name());
    root.put("inputBytes", profile.inputBytes());
    ArrayNode layers = root.putArray("layers");
    for (DagLayer l : profile.layers()) {
      ObjectNode o = layers.addObject();
      o.put("name", l.name());
      ArrayNode inputs = o.putArray("inputs");
      l.inputs().forEach(inputs::add);
      putNumber(o, "forwardFlops", l.forwardFlops());
      putNumber(o, "backwardFlops", l.backwardFlops());
      o.put("outputBytes", l.outputBytes());
      o.put("paramBytes", l.paramBytes());
    }
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write profile " + profile.name(), e);
    }
  }

  /** Writes a profile to a file. */
  public static void write(DagProfile profile, Path file) {
    try {
      Files.writeString(file, toJson(profile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  // Whole numbers are written without an exponent so files stay readable and diff well.
  private static void putNumber(ObjectNode o, String field, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 9.0e15) {
      o.put(field, (long) v);
    } else {
      o.put(field, v);
    }
  }

  private static String requireText(JsonNode o, String field, String source, String what) {
    JsonNode n = o.get(field);
    if (n == null) {
      throw new IllegalArgumentException(
          source + ": " + what + ": missing required field \"" + field + "\" (a string)");
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(
          source + ": " + what + ": \"" + field + "\" must be a string, got " + describe(n));
    }
    if (n.asText().isBlank()) {
      throw new IllegalArgumentException(source + ": " + what + ": \"" + field + "\" is empty");
    }
    return n.asText();
  }

  /** A JSON value of the wrong type as written, with its type: {@code string "5"}, {@code null}. */
  private static String describe(JsonNode n) {
    if (n.isNull()) {
      return "null";
    }
    String type =
        n.isTextual()
            ? "string"
            : n.isBoolean() ? "boolean" : n.isArray() ? "array" : n.isObject() ? "object" : "value";
    String text = n.toString();
    if (text.length() > 40) {
      text = text.substring(0, 37) + "...";
    }
    return type + " " + text;
  }

  private static double requireNumber(JsonNode o, String field, String source, String what) {
    JsonNode n = o.get(field);
    if (n == null) {
      throw new IllegalArgumentException(
          source + ": " + what + ": missing required field \"" + field + "\" (a number)");
    }
    if (!n.isNumber()) {
      // present but of another type ("5", null, true): said so, not "missing"
      throw new IllegalArgumentException(
          source + ": " + what + ": \"" + field + "\" must be a number, got " + describe(n));
    }
    double v = n.asDouble();
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException(
          source
              + ": "
              + what
              + ": \""
              + field
              + "\" must be a finite number >= 0, got "
              + n.asText());
    }
    return v;
  }

  private static double requireFlops(JsonNode o, String field, String source, String what) {
    double v = requireNumber(o, field, source, what);
    if (v > MAX_FLOPS) {
      throw new IllegalArgumentException(
          source + ": " + what + ": \"" + field + "\" must be at most 1e21, got " + v);
    }
    return v;
  }

  private static long requireCount(JsonNode o, String field, String source, String what) {
    double v = requireNumber(o, field, source, what);
    if (v != Math.rint(v)) {
      throw new IllegalArgumentException(
          source + ": " + what + ": \"" + field + "\" must be a whole number, got " + v);
    }
    if (v > MAX_BYTES) {
      throw new IllegalArgumentException(
          source
              + ": "
              + what
              + ": \""
              + field
              + "\" must be at most 2^42 ("
              + MAX_BYTES
              + "), got "
              + o.get(field).asText());
    }
    return (long) v;
  }
}
