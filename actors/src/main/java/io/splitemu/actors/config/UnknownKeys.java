package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.splitemu.model.EditDistance;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Refuses scenario keys that {@code reference.conf} does not define, so that a misspelt key fails
 * loudly instead of being ignored.
 */
public final class UnknownKeys {

  private UnknownKeys() {}

  /**
   * Checks every leaf key of {@code scenario} under {@code namespace} against {@code reference}.
   * Keys at or below one of {@code openPaths} (full paths whose content is free-form, such as
   * distribution objects and fault lists) are not checked here; their readers check them.
   */
  public static void check(
      Config scenario, Config reference, String namespace, Collection<String> openPaths) {
    check(scenario, reference, namespace, openPaths, key -> false);
  }

  /**
   * {@link #check(Config, Config, String, Collection)}; {@code read}: whether a top-level key of
   * the scenario is read, not misplaced (through a substitution: {@link #readThrough}, or one in
   * compare's {@code --sweep} options: {@link #substitutionRoots}).
   */
  public static void check(
      Config scenario,
      Config reference,
      String namespace,
      Collection<String> openPaths,
      Predicate<String> read) {
    checkTopLevel(scenario, reference, namespace, read);
    if (!scenario.hasPath(namespace)) {
      return;
    }
    Set<Map.Entry<String, ConfigValue>> entries = scenario.getConfig(namespace).entrySet();
    entries.stream()
        .sorted(Comparator.comparing(Map.Entry::getKey))
        .forEach(
            e -> {
              String full = namespace + "." + e.getKey();
              if (isOpen(full, openPaths) || reference.hasPathOrNull(full)) {
                return;
              }
              String hint = closest(full, reference, namespace);
              throw new SettingsException(
                  SettingsReader.originText(e.getValue().origin())
                      + full
                      + ": unknown key"
                      + (hint == null ? "" : " (did you mean " + hint + "?)"));
            });
  }

  /**
   * Refuses a top-level key of {@code scenario} that was surely meant inside {@code namespace}: the
   * name of one of its keys (or one edit from it), such as {@code rounds = 1} beside {@code
   * splitemu { ... }} (whether or not the block sets {@code rounds} itself: either way the value is
   * not read), or a misspelt {@code namespace} ({@code splitem { ... }}): nothing in either is
   * read, so the run would go on with the defaults or the block's value. Other top-level keys stay
   * allowed: a block {@code reference.conf} has ({@code pekko}), and a scenario's own blocks that
   * it reads through substitutions ({@code fault-study} in scenarios/faults-psl-partition.conf),
   * also one named as a key the block sets from it; a top-level object named as a key (a block of
   * values for substitutions, such as {@code faults { none = [], crash = [...] }} read by {@code
   * --sweep 'faults=${faults.none},${faults.crash}'}); and a top-level key that is read ({@code
   * read}: a substitution of the scenario, its includes or options reads it). A plain value that
   * nothing reads, such as {@code rounds = 1}, is refused.
   */
  static void checkTopLevel(
      Config scenario, Config reference, String namespace, Predicate<String> read) {
    if (!reference.hasPath(namespace)) {
      return;
    }
    Set<String> keys = reference.getConfig(namespace).root().keySet();
    scenario.root().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String key = e.getKey();
              if (key.equals(namespace) || reference.root().containsKey(key)) {
                return;
              }
              String hint = null;
              if (keys.contains(key)) {
                hint = key;
              } else if (EditDistance.between(key, namespace) <= 2) {
                hint = "";
              } else if (key.length() >= 4) {
                hint =
                    keys.stream()
                        .filter(k -> EditDistance.between(key, k) <= 1)
                        .sorted()
                        .findFirst()
                        .orElse(null);
              }
              if (hint == null
                  || (!hint.isEmpty() && e.getValue().valueType() == ConfigValueType.OBJECT)
                  || read.test(key)) {
                return;
              }
              throw new SettingsException(
                  SettingsReader.originText(e.getValue().origin())
                      + key
                      + (hint.isEmpty()
                          ? ": unknown top-level block, so nothing in it is read (did you mean "
                              + namespace
                              + "?)"
                          : ": outside the "
                              + namespace
                              + " block, so not read (did you mean "
                              + namespace
                              + "."
                              + hint
                              + "?)"));
            });
  }

  /**
   * Whether the top-level key {@code key} of {@code unresolved} (a scenario as parsed, includes and
   * overrides merged, over {@code reference.conf}, not yet resolved) is read by one of the blocks
   * that are read ({@code blocks}: {@code reference.conf}'s top-level keys, {@code splitemu} and
   * {@code pekko}): resolved without it, one of them changes or stays unresolved ({@code splitemu {
   * rounds = ${rounds} }} beside {@code rounds = 4}, also through another top-level block or from
   * an included file). What resolution reads, not a search of the scenario's text: an included
   * file, or a file not in UTF-8, reads the same. A scenario that does not resolve counts the key
   * as read: its resolution then fails with the library's own message.
   */
  public static boolean readThrough(Config unresolved, Collection<String> blocks, String key) {
    ConfigResolveOptions lax = ConfigResolveOptions.defaults().setAllowUnresolved(true);
    try {
      ConfigObject with = unresolved.resolve(lax).root();
      ConfigObject without = unresolved.withoutPath(ConfigUtil.joinPath(key)).resolve(lax).root();
      for (String block : blocks) {
        if (!block.equals(key) && !Objects.equals(with.get(block), without.get(block))) {
          return true;
        }
      }
      return false;
    } catch (ConfigException e) {
      return true;
    }
  }

  private static final java.util.regex.Pattern SUBSTITUTION =
      java.util.regex.Pattern.compile("\\$\\{\\??\\s*([^}]*)\\}");

  /**
   * The first path element of every {@code ${path}} or {@code ${?path}} substitution in {@code
   * texts} (compare's {@code --sweep} options, which are not part of the scenario resolved).
   */
  public static Set<String> substitutionRoots(Collection<String> texts) {
    Set<String> roots = new java.util.HashSet<>();
    for (String text : texts) {
      java.util.regex.Matcher m = SUBSTITUTION.matcher(text);
      while (m.find()) {
        try {
          java.util.List<String> path = ConfigUtil.splitPath(m.group(1).trim());
          if (!path.isEmpty()) {
            roots.add(path.get(0));
          }
        } catch (ConfigException e) {
          // Not a path: the config library names it when it reads the substitution.
        }
      }
    }
    return roots;
  }

  private static boolean isOpen(String path, Collection<String> openPaths) {
    for (String open : openPaths) {
      if (path.equals(open) || path.startsWith(open + ".")) {
        return true;
      }
    }
    return false;
  }

  private static String closest(String key, Config reference, String namespace) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Map.Entry<String, ConfigValue> e : reference.getConfig(namespace).entrySet()) {
      String candidate = namespace + "." + e.getKey();
      int d = EditDistance.between(key, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    // Only suggest what is plausibly a typo.
    return bestDistance <= Math.max(2, key.length() / 5) ? best : null;
  }
}
