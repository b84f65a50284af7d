package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed, validated values from one subtree of a scenario; every error names the file and line
 * of the value (when known), its full key, and what was expected.
 */
public final class SettingsReader {

  private final Config root;
  private final String base;
  // How keys are shown in messages when base is not their real path (elements of lists).
  private final String display;

  /** A reader over {@code root} below {@code base} (for instance {@code "splitemu"}). */
  public SettingsReader(Config root, String base) {
    this(root, base, null);
  }

  private SettingsReader(Config root, String base, String display) {
    this.root = root;
    this.base = base;
    this.display = display;
  }

  /** A reader for a nested object. */
  public SettingsReader at(String key) {
    objectValue(key);
    return new SettingsReader(root, path(key), display == null ? null : display + "." + key);
  }

  /** The full key of {@code key} below this reader. */
  public String path(String key) {
    return base.isEmpty() ? key : base + "." + key;
  }

  /** Whether the key is present and not null. */
  public boolean has(String key) {
    return root.hasPath(path(key));
  }

  /** A string value. */
  public String string(String key) {
    ConfigValue v = value(key);
    if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
      throw error(key, v.origin(), "expected a string, got " + describe(v));
    }
    return String.valueOf(v.unwrapped());
  }

  /** A non-empty string. */
  public String nonEmpty(String key) {
    String s = string(key);
    if (s.isBlank()) {
      throw error(key, value(key).origin(), "must not be empty");
    }
    return s;
  }

  /** A string that must be one of {@code allowed}. */
  public String oneOf(String key, Collection<String> allowed) {
    String s = string(key);
    if (!allowed.contains(s)) {
      throw error(
          key,
          value(key).origin(),
          "unknown value \"" + s + "\"; known: " + String.join(", ", new TreeSet<>(allowed)));
    }
    return s;
  }

  /** A boolean. */
  public boolean bool(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.BOOLEAN) {
      try {
        return root.getBoolean(path(key));
      } catch (ConfigException.WrongType e) {
        throw error(key, v.origin(), "expected true or false, got " + describe(v));
      }
    }
    return (Boolean) v.unwrapped();
  }

  /** A finite number. */
  public double number(String key) {
    ConfigValue v = value(key);
    double d;
    try {
      d = root.getDouble(path(key));
    } catch (ConfigException.WrongType e) {
      throw error(key, v.origin(), "expected a number, got " + describe(v));
    }
    if (!Double.isFinite(d)) {
      throw error(key, v.origin(), "expected a finite number, got " + d);
    }
    return d;
  }

  /** A number in [min, max]. */
  public double numberIn(String key, double min, double max) {
    double d = number(key);
    if (d < min || d > max) {
      throw error(key, value(key).origin(), "must be in [" + min + ", " + max + "], got " + d);
    }
    return d;
  }

  /** A number greater than zero. */
  public double positive(String key) {
    double d = number(key);
    if (d <= 0) {
      throw error(key, value(key).origin(), "must be > 0, got " + d);
    }
    return d;
  }

  /**
   * A whole number in [min, max], read from its text as written (a number or a quoted one): a
   * fraction ({@code "2.9"}) and a number beyond the range ({@code 99999999999999999999}) are
   * refused quoting it, not truncated or saturated.
   */
  public long integerIn(String key, long min, long max) {
    ConfigValue v = value(key);
    String text;
    if (v.valueType() == ConfigValueType.NUMBER) {
      text = v.render();
    } else if (v.valueType() == ConfigValueType.STRING) {
      text = ((String) v.unwrapped()).trim();
    } else {
      throw error(key, v.origin(), "expected a whole number, got " + describe(v));
    }
    java.math.BigDecimal n;
    try {
      n = new java.math.BigDecimal(text);
    } catch (NumberFormatException e) {
      throw error(key, v.origin(), "expected a whole number, got " + describe(v));
    }
    if (n.signum() != 0 && n.stripTrailingZeros().scale() > 0) {
      throw error(key, v.origin(), "expected a whole number, got " + quoted(text));
    }
    if (n.compareTo(java.math.BigDecimal.valueOf(min)) < 0
        || n.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
      throw error(key, v.origin(), "must be in [" + min + ", " + max + "], got " + quoted(text));
    }
    return n.longValueExact();
  }

  // A value as written, cut to 40 characters.
  private static String quoted(String text) {
    return text.length() > 40 ? text.substring(0, 37) + "..." : text;
  }

  /** An int in [min, max]. */
  public int intIn(String key, int min, int max) {
    return (int) integerIn(key, min, max);
  }

  /**
   * The longest duration a setting takes (about 126 years): emulated instants and sums of such
   * durations stay inside a nanosecond long.
   */
  public static final Duration LONGEST = Duration.ofSeconds(4_000_000_000L);

  /**
   * A duration written as HOCON duration ({@code 5 s}, {@code 200 ms}) or seconds, at most {@link
   * #LONGEST}: a longer one is refused with the value as written, not overflowed or saturated.
   */
  public Duration duration(String key) {
    ConfigValue v = value(key);
    Duration d;
    try {
      if (v.valueType() == ConfigValueType.NUMBER) {
        double seconds = ((Number) v.unwrapped()).doubleValue();
        if (!Double.isFinite(seconds)) {
          throw error(key, v.origin(), "expected a finite duration, got " + describe(v));
        }
        d =
            Math.abs(seconds) > LONGEST.getSeconds()
                ? LONGEST.plusSeconds(1)
                : Duration.ofNanos(Math.round(seconds * 1e9));
      } else {
        String text = String.valueOf(v.unwrapped()).trim();
        if (text.matches("(?i)[+-]?(nan|inf).*")) {
          throw error(key, v.origin(), "expected a finite duration, got " + describe(v));
        }
        d = root.getDuration(path(key));
      }
    } catch (ConfigException.BadValue | ConfigException.WrongType | ArithmeticException e) {
      throw error(
          key, v.origin(), "expected a duration such as \"5 s\" or 0.2, got " + describe(v));
    }
    if (d.abs().compareTo(LONGEST) > 0) {
      throw error(
          key,
          v.origin(),
          "must be at most " + LONGEST.getSeconds() + " s (about 126 years), got " + describe(v));
    }
    return d;
  }

  /** A list of strings. */
  public List<String> strings(String key) {
    ConfigValue v = value(key);
    try {
      return List.copyOf(root.getStringList(path(key)));
    } catch (ConfigException.WrongType e) {
      throw error(key, v.origin(), "expected a list of strings, got " + describe(v));
    }
  }

  /**
   * How an error about each element of the list of strings {@code key} starts: the element's file
   * and line (when known) and its full key, {@code key[i]}.
   */
  public List<String> whereEach(String key) {
    ConfigValue v = value(key);
    List<String> out = new ArrayList<>();
    if (v.valueType() == ConfigValueType.LIST) {
      String shown = display == null ? path(key) : display + "." + key;
      int i = 0;
      for (ConfigValue e : (ConfigList) v) {
        out.add((e.origin() == null ? "" : originText(e.origin())) + shown + "[" + i + "]");
        i++;
      }
    }
    return out;
  }

  /**
   * How an error about {@code key} starts: the value's file and line (when known) and full key; of
   * a key not given, or given as null (a fault's {@code until = null}), the object's.
   */
  public String where(String key) {
    ConfigOrigin origin =
        has(key)
            ? value(key).origin()
            : root.hasPathOrNull(base) ? root.getValue(base).origin() : null;
    String m = error(key, origin, "").getMessage();
    return m.substring(0, m.length() - 2);
  }

  /** A list of finite numbers. */
  public List<Double> numbers(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.LIST) {
      throw error(key, v.origin(), "expected a list of numbers, got " + describe(v));
    }
    List<Double> out = new ArrayList<>();
    int i = 0;
    for (ConfigValue e : (ConfigList) v) {
      if (e.valueType() != ConfigValueType.NUMBER) {
        throw error(key + "[" + i + "]", e.origin(), "expected a number, got " + describe(e));
      }
      out.add(((Number) e.unwrapped()).doubleValue());
      i++;
    }
    return out;
  }

  /** The objects of a list of objects, each as a reader named {@code key[i]}. */
  public List<SettingsReader> objects(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.LIST) {
      throw error(key, v.origin(), "expected a list of objects, got " + describe(v));
    }
    List<SettingsReader> out = new ArrayList<>();
    int i = 0;
    for (ConfigValue e : (ConfigList) v) {
      if (e.valueType() != ConfigValueType.OBJECT) {
        throw error(key + "[" + i + "]", e.origin(), "expected an object, got " + describe(e));
      }
      String shown = (display == null ? path(key) : display + "." + key) + "[" + i + "]";
      out.add(new SettingsReader(((ConfigObject) e).toConfig().atKey("x"), "x", shown));
      i++;
    }
    return out;
  }

  /**
   * A per-device or per-round number: a constant, a list, or a distribution object; values must lie
   * in [min, max] where the source can check it.
   */
  public ValueSource valueSource(String key, double min, double max) {
    ConfigValue v = value(key);
    switch (v.valueType()) {
      case NUMBER:
        return new ValueSource.Constant(numberIn(key, min, max));
      case LIST:
        {
          List<Double> xs = numbers(key);
          if (xs.isEmpty()) {
            throw error(key, v.origin(), "the list is empty");
          }
          for (double x : xs) {
            if (x < min || x > max) {
              throw error(
                  key, v.origin(), "values must be in [" + min + ", " + max + "], got " + x);
            }
          }
          return new ValueSource.PerIndex(xs);
        }
      case OBJECT:
        return distribution(key, min, max);
      default:
        throw error(
            key, v.origin(), "expected a number, a list of numbers or a distribution object");
    }
  }

  /** The largest {@code sigma} of a lognormal value source. */
  static final double MAX_SIGMA = 10;

  private ValueSource distribution(String key, double min, double max) {
    SettingsReader d = at(key);
    String kind =
        d.oneOf("distribution", List.of("uniform", "normal", "lognormal", "exponential", "choice"));
    ValueSource s;
    switch (kind) {
      case "uniform":
        {
          d.onlyKeys(Set.of("distribution", "min", "max"));
          double lo = d.numberIn("min", min, max);
          double hi = d.numberIn("max", min, max);
          if (hi < lo) {
            throw d.error("max", d.value("max").origin(), "must be >= min (" + lo + ")");
          }
          s = new ValueSource.Uniform(lo, hi);
          break;
        }
      case "normal":
        {
          d.onlyKeys(Set.of("distribution", "mean", "sd", "min", "max"));
          double mean = d.number("mean");
          double sd = d.numberIn("sd", 0, Double.MAX_VALUE);
          double lo = d.has("min") ? d.numberIn("min", min, max) : Math.max(min, 0);
          double hi = d.has("max") ? d.numberIn("max", min, max) : max;
          s = new ValueSource.Normal(mean, sd, lo, hi);
          break;
        }
      case "lognormal":
        {
          d.onlyKeys(Set.of("distribution", "mu", "sigma", "min", "max"));
          double mu = d.number("mu");
          // The median exp(mu) must lie in the key's range (mu = 700 drew 1e304 FLOP/s), and the
          // spread must be one a quantity can have: sigma = 10 is a factor of 22,000 a deviation.
          if (min > 0 && mu < StrictMath.log(min) || mu > StrictMath.log(max)) {
            throw d.error(
                "mu",
                "exp(mu), the median, must be in ["
                    + min
                    + ", "
                    + max
                    + "], got exp("
                    + mu
                    + ") = "
                    + StrictMath.exp(mu));
          }
          double sigma = d.numberIn("sigma", 0, MAX_SIGMA);
          double lo = d.has("min") ? d.numberIn("min", min, max) : min;
          double hi = d.has("max") ? d.numberIn("max", min, max) : max;
          if (hi < lo) {
            throw d.error("max", d.value("max").origin(), "must be >= min (" + lo + ")");
          }
          s = new ValueSource.LogNormal(mu, sigma, lo, hi);
          break;
        }
      case "exponential":
        {
          d.onlyKeys(Set.of("distribution", "mean", "min", "max"));
          double mean = d.positive("mean");
          if (mean < min || mean > max) {
            throw d.error(
                "mean",
                d.value("mean").origin(),
                "must be in [" + min + ", " + max + "], got " + mean);
          }
          double lo = d.has("min") ? d.numberIn("min", min, max) : min;
          double hi = d.has("max") ? d.numberIn("max", min, max) : max;
          if (hi < lo) {
            throw d.error("max", d.value("max").origin(), "must be >= min (" + lo + ")");
          }
          s = new ValueSource.Exponential(mean, lo, hi);
          break;
        }
      default:
        {
          d.onlyKeys(Set.of("distribution", "values"));
          List<Double> xs = d.numbers("values");
          if (xs.isEmpty()) {
            throw d.error("values", d.value("values").origin(), "the list is empty");
          }
          for (double x : xs) {
            if (x < min || x > max) {
              throw d.error(
                  "values",
                  d.value("values").origin(),
                  "values must be in [" + min + ", " + max + "], got " + x);
            }
          }
          s = new ValueSource.Choice(xs);
        }
    }
    return s;
  }

  /** Refuses keys of this object other than {@code allowed}. */
  public void onlyKeys(Set<String> allowed) {
    ConfigObject o = root.getObject(base);
    for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw error(
            e.getKey(),
            e.getValue().origin(),
            "unknown key; known here: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** An error about {@code key}, naming the file, line and full key. */
  public SettingsException error(String key, String reason) {
    // A missing key is shown at the object that lacks it.
    ConfigOrigin origin =
        root.hasPathOrNull(path(key))
            ? value(key).origin()
            : root.hasPathOrNull(base) ? root.getValue(base).origin() : null;
    return error(key, origin, reason);
  }

  private SettingsException error(String key, ConfigOrigin origin, String reason) {
    String where = origin == null ? "" : originText(origin);
    String shown = display == null ? path(key) : display + "." + key;
    return new SettingsException(where + shown + ": " + reason);
  }

  static String originText(ConfigOrigin origin) {
    String file = origin.filename();
    if (file == null && origin.resource() != null) {
      file = origin.resource();
    }
    if (file == null) {
      String d = origin.description();
      return d == null || d.isBlank() || d.startsWith("String") || d.startsWith("merge of")
          ? ""
          : d + ": ";
    }
    return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() + ": " : file + ": ";
  }

  private ConfigValue value(String key) {
    String p = path(key);
    if (!root.hasPathOrNull(p)) {
      // Shown at the object that lacks the key (a list entry's file and line).
      ConfigOrigin at = root.hasPathOrNull(base) ? root.getValue(base).origin() : null;
      throw new SettingsException(
          (at == null ? "" : originText(at))
              + (display == null ? p : display + "." + key)
              + ": missing (no default in reference.conf)");
    }
    if (root.getIsNull(p)) {
      // getValue refuses a null itself (ConfigException.Null, a stack trace where the reader of a
      // resolved block did not expect it): the null's origin is taken from its object.
      throw error(key, nullOrigin(p), "must not be null");
    }
    return root.getValue(p);
  }

  // The origin of the null at path p: its parent object's entry (the null value keeps its own).
  private ConfigOrigin nullOrigin(String p) {
    List<String> parts = com.typesafe.config.ConfigUtil.splitPath(p);
    ConfigValue v = root.root();
    for (String part : parts) {
      if (!(v instanceof ConfigObject o) || !o.containsKey(part)) {
        return null;
      }
      v = o.get(part);
    }
    return v == null ? null : v.origin();
  }

  private void objectValue(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw error(key, v.origin(), "expected an object { ... }, got " + describe(v));
    }
  }

  private static String describe(ConfigValue v) {
    // concise: the default rendering of a list or an object starts with the library's origin
    // comments ("[     # /s/x.conf: 3").
    String r = v.render(com.typesafe.config.ConfigRenderOptions.concise());
    if (r.length() > 40) {
      r = r.substring(0, 37) + "...";
    }
    return v.valueType().name().toLowerCase(java.util.Locale.ROOT) + " " + r.replace('\n', ' ');
  }
}
