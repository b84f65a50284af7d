package io.splitemu.actors.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Grafana dashboards of {@code grafana/dashboards}, read as the tests need them: each panel's
 * queries and which runs it is meant to show.
 *
 * <p>A panel meant for some schemes only says so in its description ("Schemes: mpsl*."), and one
 * that needs a full-fidelity run says "Fidelity: full."; the Grafana user reads the same words.
 */
final class Dashboards {

  static final Path FOLDER = Path.of("../grafana/dashboards");
  static final String DATASOURCE_UID = "splitemu-prometheus";
  static final List<String> VARIABLES = List.of("run", "scheme", "node");

  private static final Pattern SCHEMES = Pattern.compile("Schemes: ([a-z0-9*, -]+)\\.");
  private static final Pattern FULL = Pattern.compile("Fidelity: full\\.");
  private static final String CLUSTER_ONLY = "Cluster runs only.";

  private Dashboards() {}

  /** One dashboard file and its parsed JSON. */
  record Board(Path file, JsonNode json) {
    String uid() {
      return json.path("uid").asText();
    }

    /** The panels, with those nested in rows. */
    List<JsonNode> panels() {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode p : json.path("panels")) {
        out.add(p);
        for (JsonNode inner : p.path("panels")) {
          out.add(inner);
        }
      }
      return out;
    }

    /** The Prometheus annotation queries (not Grafana's built-in one). */
    List<JsonNode> annotations() {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode a : json.path("annotations").path("list")) {
        if (a.has("expr")) {
          out.add(a);
        }
      }
      return out;
    }

    /** Every query of the dashboard: panel targets and annotations. */
    List<Query> queries() {
      List<Query> out = new ArrayList<>();
      for (JsonNode p : panels()) {
        String description = p.path("description").asText();
        List<String> schemes = schemes(description);
        boolean full = FULL.matcher(description).find();
        boolean cluster = description.contains(CLUSTER_ONLY);
        for (JsonNode t : p.path("targets")) {
          out.add(
              new Query(
                  file.getFileName()
                      + " panel "
                      + p.path("id").asInt()
                      + " \""
                      + p.path("title").asText()
                      + "\" "
                      + t.path("refId").asText(),
                  t.path("expr").asText(),
                  schemes,
                  full,
                  cluster,
                  false));
        }
      }
      for (JsonNode a : annotations()) {
        out.add(
            new Query(
                file.getFileName() + " annotation \"" + a.path("name").asText() + "\"",
                a.path("expr").asText(),
                List.of(),
                false,
                false,
                true));
      }
      return out;
    }
  }

  /**
   * One PromQL query of a dashboard.
   *
   * @param where the dashboard file, panel and target, for messages
   * @param schemes scheme globs ({@code cpsl*}) the panel is meant for; empty for every scheme
   * @param fullFidelity whether the panel needs a full-fidelity run
   * @param clusterOnly whether the panel shows cluster members only ("Cluster runs only."): no run
   *     in one JVM gives it data
   * @param annotation whether Grafana evaluates it as an annotation (over the time range)
   */
  record Query(
      String where,
      String expr,
      List<String> schemes,
      boolean fullFidelity,
      boolean clusterOnly,
      boolean annotation) {

    /**
     * Whether a run in one JVM of {@code scheme} at {@code full} fidelity should give this query
     * data.
     */
    boolean appliesTo(String scheme, boolean full) {
      if (clusterOnly || (fullFidelity && !full)) {
        return false;
      }
      return schemes.isEmpty() || schemes.stream().anyMatch(g -> globMatches(g, scheme));
    }
  }

  /** Every dashboard of the folder, sorted by file name. */
  static List<Board> all() {
    try (Stream<Path> files = Files.list(FOLDER)) {
      List<Board> out = new ArrayList<>();
      ObjectMapper json = new ObjectMapper();
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        out.add(new Board(f, json.readTree(Files.readString(f))));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FOLDER.toAbsolutePath(), e);
    }
  }

  /** The scheme globs a panel description names, or none. */
  static List<String> schemes(String description) {
    Matcher m = SCHEMES.matcher(description);
    if (!m.find()) {
      return List.of();
    }
    return List.of(m.group(1).trim().split("\\s*,\\s*"));
  }

  static boolean globMatches(String glob, String scheme) {
    return glob.endsWith("*")
        ? scheme.startsWith(glob.substring(0, glob.length() - 1))
        : scheme.equals(glob);
  }
}
