package io.splitemu.actors.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.List;

/**
 * A scenario's includer: every include, plain ({@code include "x.conf"}) as {@code required(...)},
 * in the scenario or in a file it includes, must find its file. HOCON skips a plain include whose
 * file is missing, so a misspelt {@code include "bsae.conf"} ran on the defaults; here it is one
 * line naming the including file, the include's line there and the path looked for, e.g. {@code
 * inc.conf:1: include "bsae.conf": no such file (looked for /s/bsae.conf)}.
 *
 * <p>The library parses included files inside {@link #include}; the files being parsed are kept on
 * a stack so that a missing include names the file that holds it. An include is looked for as the
 * library looks for it: beside the including file, then on the class path.
 */
final class StrictIncluder
    implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

  /**
   * The files being parsed, the innermost first; null for one that is not a file (a LinkedList).
   */
  private final Deque<Path> parsing;

  private final ConfigIncluder fallback;

  /** {@code scenario}: the top-level file, as it will be named in messages. */
  StrictIncluder(Path scenario) {
    this(new java.util.LinkedList<>(List.of(scenario)), null);
  }

  private StrictIncluder(Deque<Path> parsing, ConfigIncluder fallback) {
    this.parsing = parsing;
    this.fallback = fallback;
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder fallback) {
    return new StrictIncluder(parsing, fallback);
  }

  private static ConfigIncludeContext required(ConfigIncludeContext c) {
    return c.setParseOptions(c.parseOptions().setAllowMissing(false));
  }

  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    Path including = parsing.peek();
    Path dir = including == null ? null : including.getParent();
    Path sibling = isUrl(what) ? null : dir == null ? Path.of(what) : dir.resolve(what);
    return parse(
        including,
        what,
        file(sibling, what),
        sibling,
        () -> fallback.include(required(context), what));
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    Path including = parsing.peek();
    Path f = what.toPath();
    return parse(
        including,
        what.getPath(),
        file(f, what.getPath()),
        f,
        () -> ((ConfigIncluderFile) fallback).includeFile(required(context), what));
  }

  @Override
  public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
    return parse(
        parsing.peek(),
        what.toString(),
        null,
        null,
        () -> ((ConfigIncluderURL) fallback).includeURL(required(context), what));
  }

  @Override
  public ConfigObject includeResources(ConfigIncludeContext context, String what) {
    return parse(
        parsing.peek(),
        what,
        null,
        null,
        () -> ((ConfigIncluderClasspath) fallback).includeResources(required(context), what));
  }

  private ConfigObject parse(
      Path including,
      String name,
      Path file,
      Path lookedFor,
      java.util.function.Supplier<ConfigObject> parse) {
    parsing.push(file == null ? null : file.normalize());
    try {
      return parse.get();
    } catch (ConfigException.IO e) {
      if (!notFound(e) || file != null) {
        throw e; // a file that is there but cannot be read: the library's reason
      }
      throw new SettingsException(missing(including, name, lookedFor));
    } finally {
      parsing.pop();
    }
  }

  private static boolean notFound(ConfigException.IO e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("include was not found")
        || m.contains("resource not found on classpath")
        || m.contains("No config files {.conf,.json,.properties} found")
        || m.contains("FileNotFoundException")
        || m.contains("NoSuchFileException");
  }

  private static boolean isUrl(String what) {
    try {
      new URL(what);
      return true;
    } catch (java.net.MalformedURLException e) {
      return false;
    }
  }

  /**
   * The file an include of {@code name} reads when it is there: {@code path} itself, or for a name
   * without an extension the library's {@code .conf} (its {@code .json} or {@code .properties}).
   */
  private static Path file(Path path, String name) {
    if (path == null) {
      return null;
    }
    if (hasExtension(name)) {
      return Files.isRegularFile(path) ? path : null;
    }
    for (String ext : List.of(".conf", ".json", ".properties")) {
      Path p = path.resolveSibling(path.getFileName() + ext);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static boolean hasExtension(String name) {
    return name.endsWith(".conf") || name.endsWith(".json") || name.endsWith(".properties");
  }

  /** One line: the including file and line, the include, where it was looked for. */
  static String missing(Path including, String name, Path lookedFor) {
    String where = including == null ? "an included resource" : including.toString();
    if (including != null) {
      try {
        List<String> lines = Files.readAllLines(including);
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.contains("include") && l.contains("\"" + name + "\"")) {
            where += ":" + (i + 1);
            break;
          }
        }
      } catch (java.io.IOException | RuntimeException ignored) {
        // the line number is a courtesy; the message stands without it
      }
    }
    String looked =
        lookedFor == null
            ? ""
            : " (looked for "
                + lookedFor.toAbsolutePath().normalize()
                + (hasExtension(name) ? "" : " with .conf, .json or .properties")
                + ")";
    return (where + ": include \"" + name + "\": no such file" + looked)
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }
}
