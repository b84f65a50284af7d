package io.splitemu.actors.wire;

import io.splitemu.model.wire.ClusterMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The message classes of the wire, found by reflection rather than kept by hand, each with an id
 * derived from its name.
 *
 * <p>Found: every concrete class under the given packages (on the class path, in directories or
 * jars) that implements {@link ClusterMessage}, and, transitively, every record or enum of those
 * packages that a message's record components name (payload records such as a visit plan, the
 * permitted subclasses of a sealed payload interface), since Kryo needs those registered too.
 * Actor reference type arguments are not followed: a reference travels as a path.
 *
 * <p>Ids: {@value #FIRST_ID} plus the low 20 bits of the CRC-32 of the class's binary name. An id
 * depends on nothing but the name, so every JVM of a build agrees, and adding a class never moves
 * another's id; two names with the same id are refused at start with both named.
 */
public final class MessageClasses {

  /** Lowest derived id; ids below belong to the fixed list and the config table. */
  public static final int FIRST_ID = 1 << 20;

  private static final Map<String, Map<String, Class<?>>> CACHE = new ConcurrentHashMap<>();

  private MessageClasses() {}

  /** The id of {@code type} on the wire. */
  public static int idOf(Class<?> type) {
    CRC32 crc = new CRC32();
    crc.update(type.getName().getBytes(StandardCharsets.UTF_8));
    return FIRST_ID + (int) (crc.getValue() & 0xFFFFF);
  }

  /**
   * The message and payload classes under {@code packages}, by name (sorted, so registration
   * order never depends on the class path's order).
   */
  public static Map<String, Class<?>> find(List<String> packages, ClassLoader loader) {
    String key = String.join(",", packages) + "@" + System.identityHashCode(loader);
    return CACHE.computeIfAbsent(key, k -> scan(packages, loader));
  }

  private static Map<String, Class<?>> scan(List<String> packages, ClassLoader loader) {
    TreeSet<String> names = new TreeSet<>();
    for (String p : packages) {
      names.addAll(classNames(p, loader));
    }
    Map<String, Class<?>> found = new TreeMap<>();
    Deque<Class<?>> todo = new ArrayDeque<>();
    for (String name : names) {
      Class<?> c = load(name, loader);
      if (c != null && ClusterMessage.class.isAssignableFrom(c) && concrete(c)) {
        todo.add(c);
      }
    }
    while (!todo.isEmpty()) {
      Class<?> c = todo.poll();
      if (found.putIfAbsent(c.getName(), c) != null) {
        continue;
      }
      if (c.isRecord()) {
        for (RecordComponent rc : c.getRecordComponents()) {
          follow(rc.getGenericType(), packages, todo);
        }
      }
    }
    return Collections.unmodifiableMap(found);
  }

  private static boolean concrete(Class<?> c) {
    return !c.isInterface()
        && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())
        && !c.isAnonymousClass();
  }

  /** Adds the records and enums of {@code packages} that {@code t} names. */
  private static void follow(Type t, List<String> packages, Deque<Class<?>> todo) {
    if (t instanceof Class<?> c) {
      if (c.isArray()) {
        follow(c.getComponentType(), packages, todo);
      } else if (inside(c, packages)) {
        if (c.isRecord() || c.isEnum()) {
          todo.add(c);
        } else if (c.isSealed()) {
          for (Class<?> sub : c.getPermittedSubclasses()) {
            follow(sub, packages, todo);
          }
        }
      }
    } else if (t instanceof ParameterizedType p) {
      if (p.getRawType() == ActorRef.class) {
        return;
      }
      follow(p.getRawType(), packages, todo);
      for (Type a : p.getActualTypeArguments()) {
        follow(a, packages, todo);
      }
    } else if (t instanceof GenericArrayType g) {
      follow(g.getGenericComponentType(), packages, todo);
    } else if (t instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        follow(b, packages, todo);
      }
    }
  }

  private static boolean inside(Class<?> c, List<String> packages) {
    for (String p : packages) {
      if (c.getName().startsWith(p + ".")) {
        return true;
      }
    }
    return false;
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null; // a class whose optional dependencies are absent sends nothing
    }
  }

  /** Binary names of the classes of {@code pkg} and its subpackages on the class path. */
  public static TreeSet<String> classNames(String pkg, ClassLoader loader) {
    String dir = pkg.replace('.', '/');
    TreeSet<String> out = new TreeSet<>();
    try {
      Enumeration<URL> roots = loader.getResources(dir);
      while (roots.hasMoreElements()) {
        URL u = roots.nextElement();
        if (u.getProtocol().equals("file")) {
          Path base = Paths.get(u.toURI());
          Path top = base;
          for (int i = 0; i < pkg.split("\\.").length; i++) {
            top = top.getParent();
          }
          Path root = top;
          try (Stream<Path> files = Files.walk(base)) {
            files
                .filter(f -> f.toString().endsWith(".class"))
                .forEach(f -> out.add(className(root.relativize(f).toString())));
          }
        } else if (u.getProtocol().equals("jar")) {
          String file = u.getPath().substring("file:".length(), u.getPath().indexOf("!/"));
          try (JarFile jar = new JarFile(Paths.get(new URL("file:" + file).toURI()).toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
              String n = e.nextElement().getName();
              if (n.startsWith(dir + "/") && n.endsWith(".class")) {
                out.add(className(n));
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the classes of " + pkg, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot list the classes of " + pkg + ": " + e.getMessage());
    }
    out.removeIf(n -> n.endsWith("module-info") || n.endsWith("package-info"));
    return out;
  }

  private static String className(String path) {
    String p = path.replace('\\', '/');
    return p.substring(0, p.length() - ".class".length()).replace('/', '.');
  }
}
