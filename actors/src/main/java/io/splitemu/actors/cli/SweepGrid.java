package io.splitemu.actors.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The grid of {@code compare --sweep key=v1,v2,...}: one axis per {@code --sweep}, and the
 * cartesian product of their values with the first axis varying slowest (nested loops in the order
 * the options are given).
 *
 * <p>Values are split at the commas outside brackets, braces, parentheses and quotes, so a value
 * may be any HOCON value {@code --set} accepts: a list {@code [1e6,2e6]}, an object, or a
 * substitution such as {@code ${cost-study.pool}}.
 */
final class SweepGrid {

  /** One swept key and its values, in the order given. */
  record Axis(String key, List<String> values) {
    Axis {
      values = List.copyOf(values);
    }
  }

  private final List<Axis> axes;

  private SweepGrid(List<Axis> axes) {
    this.axes = List.copyOf(axes);
  }

  /** The axes, in the order of the options. */
  List<Axis> axes() {
    return axes;
  }

  /** The swept keys, in the order of the options. */
  List<String> keys() {
    return axes.stream().map(Axis::key).toList();
  }

  /**
   * Every point of the grid, each as one value per axis; the last axis varies fastest. An empty
   * grid (no {@code --sweep}) has one point with no values.
   */
  List<List<String>> points() {
    List<List<String>> out = new ArrayList<>();
    out.add(List.of());
    for (Axis a : axes) {
      List<List<String>> next = new ArrayList<>();
      for (List<String> p : out) {
        for (String v : a.values()) {
          List<String> q = new ArrayList<>(p);
          q.add(v);
          next.add(List.copyOf(q));
        }
      }
      out = next;
    }
    return out;
  }

  /** The {@code key=value} overrides of one point. */
  List<String> overrides(List<String> point) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < axes.size(); i++) {
      out.add(axes.get(i).key() + "=" + point.get(i));
    }
    return out;
  }

  /**
   * Parses the {@code --sweep} options; a malformed one fails with one line naming it. A key given
   * twice, or also given to {@code --set}, is refused: which value would win is not obvious.
   */
  static SweepGrid parse(List<String> specs, List<String> sets) {
    Set<String> setKeys = new HashSet<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq > 0) {
        setKeys.add(normalise(s.substring(0, eq)));
      }
    }
    List<Axis> axes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new UserException("--sweep " + spec + ": expected key=v1,v2,...");
      }
      String key = spec.substring(0, eq).trim();
      if (key.isEmpty()) {
        throw new UserException("--sweep " + spec + ": expected key=v1,v2,...");
      }
      if (!seen.add(normalise(key))) {
        throw new UserException(
            "--sweep " + key + ": the key is swept twice; give its values once");
      }
      if (setKeys.contains(normalise(key))) {
        throw new UserException("--sweep " + key + ": the key is also given to --set; give one");
      }
      String text = spec.substring(eq + 1);
      if (text.isBlank()) {
        throw new UserException("--sweep " + key + "=: the value list is empty");
      }
      List<String> values = split(text);
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).isEmpty()) {
          throw new UserException(
              "--sweep " + key + "=" + text + ": value " + (i + 1) + " is empty");
        }
      }
      if (new HashSet<>(values).size() != values.size()) {
        throw new UserException("--sweep " + key + "=" + text + ": a value is given twice");
      }
      axes.add(new Axis(key, values));
    }
    return new SweepGrid(axes);
  }

  /** The key without the optional {@code splitemu.} prefix, as {@code --set} reads it. */
  private static String normalise(String key) {
    String k = key.trim();
    return k.startsWith("splitemu.") ? k.substring("splitemu.".length()) : k;
  }

  /** Splits at the commas outside brackets, braces, parentheses and double quotes; trims. */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int depth = 0;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '\\' && i + 1 < text.length()) {
          cur.append(c).append(text.charAt(++i));
          continue;
        }
        if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '[' || c == '{' || c == '(') {
        depth++;
      } else if (c == ']' || c == '}' || c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(cur.toString().trim());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    out.add(cur.toString().trim());
    return out;
  }
}
