package io.splitemu.actors.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.splitemu.actors.results.ResultsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Why a {@code --resume} is another configuration: the keys whose resolved values differ between
 * the results folder's {@code scenario.conf} (what the run was started with) and the scenario as
 * resolved now, leaving out the keys the checkpoint's fingerprint leaves out ({@link
 * Checkpoints#UNFINGERPRINTED}). The fingerprint stays the judge: this only says what differs.
 */
public final class ResumeDiff {
  private ResumeDiff() {}

  /**
   * Up to {@code max} differences as {@code "splitemu.rounds: 6 in the run, 3 here"}, then {@code
   * "and N more keys"}; empty when no key differs; null when the folder's {@code scenario.conf}
   * cannot be read or holds no key (cut off).
   */
  public static List<String> differences(Path resultsDir, String resolvedHere, int max) {
    Map<String, String> run;
    Map<String, String> here;
    try {
      run =
          leaves(
              ConfigFactory.parseString(
                  Files.readString(resultsDir.resolve("scenario.conf"), StandardCharsets.UTF_8)));
      here = leaves(ConfigFactory.parseString(resolvedHere));
    } catch (IOException | ConfigException e) {
      return null;
    }
    if (run.isEmpty()) {
      // An empty (or blank) file: what a kill or a full disk leaves of one created but not yet
      // written. A run's resolved scenario always holds keys, so it is cut off, not another
      // configuration (earlier on 2026-12-07 every key "not set in the run").
      return null;
    }
    TreeSet<String> keys = new TreeSet<>(run.keySet());
    keys.addAll(here.keySet());
    List<String> out = new ArrayList<>();
    int more = 0;
    for (String key : keys) {
      String a = run.get(key);
      String b = here.get(key);
      if (a != null && a.equals(b)) {
        continue;
      }
      if (out.size() >= max) {
        more++;
        continue;
      }
      out.add(key + ": " + display(a) + " in the run, " + display(b) + " here");
    }
    if (more > 0) {
      out.add("and " + more + " more key" + (more == 1 ? "" : "s"));
    }
    return out;
  }

  /**
   * Results folder {@code dir} as a start cut short before its first row leaves it, judged for the
   * scenario resolved as {@code resolvedHere}: null where it records a row or a checkpoint ({@link
   * ResultsWriter#recordsNoRows}); else the keys its {@code scenario.conf} differs in and what it
   * holds that a run does not write there ({@link ResultsWriter#strayFiles}, with {@code
   * alsoKept}). The one reading of {@code run --resume}, a {@code --failover} take-over and {@code
   * compare --resume}, which each start such a folder's run again from round 0 there.
   */
  public static CutShort cutShort(Path dir, String resolvedHere, Set<String> alsoKept) {
    if (!ResultsWriter.recordsNoRows(dir)) {
      return null;
    }
    // A missing, unreadable or empty scenario.conf differs in nothing: a start cut off early. One
    // that is not a regular file is not read (a FIFO would block the command; earlier on
    // 2026-12-07 cutShort read it whatever it was, as its callers had not).
    List<String> diff =
        Files.isRegularFile(dir.resolve("scenario.conf"))
            ? differences(dir, resolvedHere, 3)
            : null;
    return new CutShort(diff == null ? List.of() : diff, ResultsWriter.strayFiles(dir, alsoKept));
  }

  /**
   * A folder whose start was cut short before its first row ({@link #cutShort}): {@code otherKeys},
   * the keys its {@code scenario.conf} differs in ({@link #differences}; empty where none does, or
   * where it is missing or cut off), and {@code stray}, what it holds that a run does not write
   * there (named, sorted).
   */
  public record CutShort(List<String> otherKeys, List<String> stray) {
    /**
     * Whether its run starts again from round 0 there: of this configuration, nothing else in it.
     */
    public boolean startsAgain() {
      return otherKeys.isEmpty() && stray.isEmpty();
    }
  }

  private static String display(String leaf) {
    return leaf == null ? "not set" : leaf.substring(leaf.indexOf('\t') + 1);
  }

  // A value as the line shows it: plain for a non-empty scalar, else as HOCON; cut at 60 chars.
  private static String shown(ConfigValue v) {
    boolean scalar =
        v.valueType() != ConfigValueType.LIST && v.valueType() != ConfigValueType.OBJECT;
    String s =
        scalar && v.unwrapped() != null && !String.valueOf(v.unwrapped()).isEmpty()
            ? String.valueOf(v.unwrapped())
            : v.render(ConfigRenderOptions.concise());
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  // Every leaf (a list is one value) by its full key, without the unfingerprinted keys: its
  // rendering as the fingerprint sees it, a tab, and how the line shows it.
  private static Map<String, String> leaves(Config c) {
    for (String path : Checkpoints.UNFINGERPRINTED) {
      c = c.withoutPath(path);
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      ConfigValue v = e.getValue();
      out.put(e.getKey(), v.render(ConfigRenderOptions.concise()) + "\t" + shown(v));
    }
    return out;
  }
}
