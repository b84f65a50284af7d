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
 * line naming the including file, the include's line there, the path looked for and its base, e.g.
 * {@code inc.conf:1: include "bsae.conf": no such file (looked for /s/bsae.conf, beside the
 * including file)}.
 *
 * <p>The library parses included files inside {@link #include}; the files being parsed are kept on
 * a stack so that a missing include names the file that holds it. An include is looked for as the
 * library looks for it: a plain one beside the including file (then on the class path), a {@code
 * file(...)} one from the working directory whatever file holds it (java.io.File's reading of a
 * relative path), a {@code url("file:...")} one at its path, whose own plain includes are beside
 * it.
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
    // The library reads a plain include beside the including file (then on the class path); in a
    // file read from the class path or a URL that is not a file, relative to that: no file here.
    Path sibling =
        isUrl(what) || including == null
            ? null
            : including.getParent() == null ? Path.of(what) : including.getParent().resolve(what);
    return parse(
        including,
        new Include(Kind.PLAIN, what),
        file(sibling, what),
        sibling,
        () -> fallback.include(required(context), what));
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    Path including = parsing.peek();
    // file(...) is read as java.io.File reads it: a relative path from the working directory,
    // whatever file holds the include.
    Path f = what.toPath();
    return parse(
        including,
        new Include(Kind.FILE, what.getPath()),
        file(f, what.getPath()),
        f,
        () -> ((ConfigIncluderFile) fallback).includeFile(required(context), what));
  }

  @Override
  public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
    // A file: URL is a file: its own plain includes are read beside it, as the library reads them.
    Path f = null;
    if ("file".equalsIgnoreCase(what.getProtocol())) {
      try {
        f = Path.of(what.toURI());
      } catch (java.net.URISyntaxException | IllegalArgumentException e) {
        f = null; // not a path this JVM can name: no file to name in messages
      }
    }
    return parse(
        parsing.peek(),
        new Include(Kind.URL, what.toString()),
        f != null && Files.isRegularFile(f) ? f : null,
        null,
        () -> ((ConfigIncluderURL) fallback).includeURL(required(context), what));
  }

  @Override
  public ConfigObject includeResources(ConfigIncludeContext context, String what) {
    return parse(
        parsing.peek(),
        new Include(Kind.CLASSPATH, what),
        null,
        null,
        () -> ((ConfigIncluderClasspath) fallback).includeResources(required(context), what));
  }

  /** How an include is written: {@code include "x"}, {@code include file("x")}, ... */
  enum Kind {
    PLAIN("\"", "\""),
    FILE("file(\"", "\")"),
    URL("url(\"", "\")"),
    CLASSPATH("classpath(\"", "\")");

    private final String open;
    private final String close;

    Kind(String open, String close) {
      this.open = open;
      this.close = close;
    }
  }

  /** An include as written in the including file. */
  record Include(Kind kind, String name) {
    @Override
    public String toString() {
      return "include " + kind.open + name + kind.close;
    }
  }

  private ConfigObject parse(
      Path including,
      Include include,
      Path file,
      Path lookedFor,
      java.util.function.Supplier<ConfigObject> parse) {
    if (file != null) {
      // A file that includes itself, or one that includes it: the library stopped at 50 levels
      // with a line of 1,500 characters naming none of them by line.
      Path self = file.toAbsolutePath().normalize();
      List<Path> chain = new java.util.ArrayList<>();
      for (Path p : parsing) {
        if (p != null) {
          chain.add(0, p);
          if (p.toAbsolutePath().normalize().equals(self)) {
            chain.add(file.normalize());
            throw new SettingsException(
                at(including, include.name())
                    + ": "
                    + include
                    + ": a cycle of includes ("
                    + String.join(" includes ", chain.stream().map(Path::toString).toList())
                    + ")");
          }
        }
      }
    }
    parsing.push(file == null ? null : file.normalize());
    try {
      return parse.get();
    } catch (ConfigException.IO e) {
      if (!notFound(e) || file != null) {
        throw e; // a file that is there but cannot be read: the library's reason
      }
      throw new SettingsException(missing(including, include, lookedFor));
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

  /**
   * One line: the including file and line, the include, where it was looked for and from which base
   * (a plain include beside the including file, {@code file(...)} from the working directory).
   */
  static String missing(Path including, Include include, Path lookedFor) {
    String name = include.name();
    String where = at(including, name);
    if (lookedFor != null && hasExtension(name) && Files.isDirectory(lookedFor)) {
      return (where
              + ": "
              + include
              + ": "
              + lookedFor.toAbsolutePath().normalize()
              + " is a folder, not a file")
          .replace("\n", "\\n")
          .replace("\r", "\\r");
    }
    String looked = "";
    if (include.kind() == Kind.CLASSPATH) {
      looked = " (looked for on the class path)";
    } else if (lookedFor != null) {
      String extensions = hasExtension(name) ? "" : " with .conf, .json or .properties";
      Path abs = lookedFor.toAbsolutePath().normalize();
      if (include.kind() == Kind.PLAIN) {
        looked = " (looked for " + abs + extensions + ", beside the including file)";
      } else if (Path.of(name).isAbsolute()) {
        looked = " (looked for " + abs + extensions + ")";
      } else {
        // file(...) is read from the working directory, not beside the including file: say so,
        // and name the file beside it that a plain include would read.
        looked =
            " (looked for "
                + abs
                + extensions
                + ": file(...) is read from the working directory, "
                + Path.of("").toAbsolutePath()
                + besideNote(including, name)
                + ")";
      }
    }
    return (where + ": " + include + ": no such file" + looked)
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }

  /** The including file and the line of the include of {@code name} there, when found. */
  private static String at(Path including, String name) {
    String where = including == null ? "an included resource" : including.toString();
    if (including != null) {
      try {
        List<String> lines = Files.readAllLines(including);
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.contains("include") && l.contains("\"" + name + "\"")) {
            return where + ":" + (i + 1);
          }
        }
      } catch (java.io.IOException | RuntimeException ignored) {
        // the line number is a courtesy; the message stands without it
      }
    }
    return where;
  }

  /**
   * {@code "; a plain include \"x\" reads /s/sub/x beside the including file"} when a relative
   * {@code file("x")} is missing but there is such a file beside the including file; else "".
   */
  private static String besideNote(Path including, String name) {
    if (including == null || Path.of(name).isAbsolute()) {
      return "";
    }
    Path dir = including.toAbsolutePath().getParent();
    Path beside = dir == null ? null : file(dir.resolve(name), name);
    return beside == null
        ? ""
        : "; a plain include \""
            + name
            + "\" reads "
            + beside.toAbsolutePath().normalize()
            + " beside the including file";
  }
}
