package io.splitemu.model.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import com.typesafe.config.Config;

/**
 * Thread-safe encoder and decoder of registered objects to and from byte arrays, over pooled Kryo.
 *
 * <p>Kryo instances are not thread-safe, so each call borrows one from a pool. Output buffers are
 * pooled too, so that a steady stream of large tensors does not regrow a buffer per message; a
 * buffer that grew beyond the retained size is dropped after use.
 */
public final class WireCodec {

  /** Config path of the codec settings. */
  public static final String CONFIG_PATH = "splitemu.serialization";

  private final WireRegistry registry;
  private final int initialBufferBytes;
  private final int retainedBufferBytes;
  private final Pool<Kryo> kryos;
  private final Pool<Output> outputs;

  /**
   * A codec over {@code registry}.
   *
   * @param poolSize Kryo instances and buffers kept for reuse
   * @param initialBufferBytes first size of an output buffer
   * @param retainedBufferBytes largest output buffer kept for reuse
   */
  public WireCodec(
      WireRegistry registry, int poolSize, int initialBufferBytes, int retainedBufferBytes) {
    if (poolSize < 1 || initialBufferBytes < 16 || retainedBufferBytes < initialBufferBytes) {
      throw new IllegalArgumentException(
          "need pool-size >= 1, initial-buffer-bytes >= 16 and retained-buffer-bytes >= "
              + "initial-buffer-bytes, got "
              + poolSize
              + ", "
              + initialBufferBytes
              + ", "
              + retainedBufferBytes);
    }
    this.registry = registry;
    this.initialBufferBytes = initialBufferBytes;
    this.retainedBufferBytes = retainedBufferBytes;
    this.kryos =
        new Pool<>(true, false, poolSize) {
          @Override
          protected Kryo create() {
            return registry.newKryo();
          }
        };
    this.outputs =
        new Pool<>(true, false, poolSize) {
          @Override
          protected Output create() {
            return new Output(initialBufferBytes, -1);
          }
        };
  }

  /** A codec with default pool and buffer sizes. */
  public static WireCodec of(WireRegistry registry) {
    return new WireCodec(registry, 16, 64 * 1024, 16 * 1024 * 1024);
  }

  /** A codec configured from {@value #CONFIG_PATH} (registry, pool and buffer sizes). */
  public static WireCodec fromConfig(Config config) {
    return fromConfig(config, WireRegistry.fromConfig(config));
  }

  /** A codec over {@code registry} with the pool and buffer sizes of {@value #CONFIG_PATH}. */
  public static WireCodec fromConfig(Config config, WireRegistry registry) {
    Config c = config.getConfig(CONFIG_PATH);
    return new WireCodec(
        registry,
        c.getInt("pool-size"),
        c.getBytes("initial-buffer-bytes").intValue(),
        c.getBytes("retained-buffer-bytes").intValue());
  }

  /** The registry this codec encodes with. */
  public WireRegistry registry() {
    return registry;
  }

  /**
   * The bytes of {@code message}, class id included.
   *
   * @throws IllegalArgumentException naming the class when it (or a class inside it) is not
   *     registered
   */
  public byte[] toBytes(Object message) {
    Kryo kryo = kryos.obtain();
    Output output = outputs.obtain();
    try {
      output.reset();
      kryo.writeClassAndObject(output, message);
      return output.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      String unregistered = findUnregistered(e);
      if (unregistered != null) {
        throw new IllegalArgumentException(unregistered, e);
      }
      throw new IllegalArgumentException(
          "cannot serialize " + describe(message) + ": " + firstLine(e), e);
    } finally {
      kryos.free(kryo);
      if (output.getBuffer().length <= retainedBufferBytes) {
        outputs.free(output);
      }
    }
  }

  /**
   * The object encoded in {@code bytes}, which must be exactly one message.
   *
   * @throws WireFormatException when the bytes are truncated, corrupt or carry trailing data
   */
  public Object fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new WireFormatException("empty splitemu wire message");
    }
    Kryo kryo = kryos.obtain();
    try {
      Input input = new WireLimits.BoundedInput(bytes);
      Object message = kryo.readClassAndObject(input);
      if (input.position() != bytes.length) {
        throw new WireFormatException(
            "splitemu wire message of "
                + bytes.length
                + " bytes has "
                + (bytes.length - input.position())
                + " trailing bytes after "
                + describe(message));
      }
      return message;
    } catch (WireFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      WireFormatException inner = findCause(e, WireFormatException.class);
      String reason = inner != null ? inner.getMessage() : firstLine(e);
      throw new WireFormatException(
          "truncated or corrupt splitemu wire message of " + bytes.length + " bytes: " + reason,
          e);
    } finally {
      kryos.free(kryo);
    }
  }

  /** {@link #fromBytes(byte[])} checked against the expected type. */
  public <T> T fromBytes(byte[] bytes, Class<T> type) {
    Object message = fromBytes(bytes);
    if (!type.isInstance(message)) {
      throw new WireFormatException(
          "expected " + type.getName() + " but the bytes hold " + describe(message));
    }
    return type.cast(message);
  }

  // The deepest cause is Kryo's own refusal; wrappers above it prepend field traces.
  private static String findUnregistered(Throwable e) {
    String found = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains(WireRegistry.UNREGISTERED_MARK)) {
        found = firstLine(t);
      }
    }
    return found;
  }

  private static <X extends Throwable> X findCause(Throwable e, Class<X> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  // Kryo appends a multi-line serialization trace; the exception message stays on one line.
  private static String firstLine(Throwable t) {
    String m = t.getMessage();
    if (m == null) {
      return t.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static String describe(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
