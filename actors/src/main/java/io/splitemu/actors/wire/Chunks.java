package io.splitemu.actors.wire;

import io.splitemu.model.wire.ClusterMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * Messages above Artery's frame cross JVMs in parts ({@link Chunk}), in order, on the same path as
 * any other message from the same sender to the same recipient, and the recipient acts on the whole
 * message where the last part arrives: so a model or a batch of activations larger than {@code
 * splitemu.cluster.maximum-frame-size} reaches its actor as in one JVM, and what the sender sent
 * after it comes after it.
 *
 * <p>Sending: {@link #tell} and {@link #tellEntity} serialize a message bound for another JVM (with
 * the serializer Artery would use) and, when it is larger than one part ({@link #partBytes}: the
 * frame less room for the envelope), tell the recipient its parts instead. A message for this JVM,
 * and every message of a local actor system, is told as it is. A message above {@code
 * splitemu.cluster.maximum-message-size} is refused there with one line.
 *
 * <p>Receiving: an actor that may be sent such a message is built {@link #reassembling}; its parts
 * are gathered by sender and transfer, and the whole message is handed to the actor's behavior when
 * the last part is in (a reply to one of the actor's message adapters is told to that adapter
 * instead, see {@link #acceptOnAdapters}). Parts never make the recipient allocate more than they
 * carry, and a part out of order, of a transfer never opened, beyond its announced size or above
 * the maximum message size fails the recipient with one line.
 *
 * <p>The emulated link charges a transfer before it reaches the wire, so parts change no emulated
 * instant.
 */
public final class Chunks implements Extension {

  /**
   * One part of a message: parts {@code 0..count-1} of transfer {@code transfer} from actor system
   * {@code origin}, whose bytes joined are {@code total} bytes that serializer {@code serializer}
   * reads with {@code manifest}; {@code to} is the recipient the sender addressed (null for a
   * sharded entity).
   */
  public record Chunk(
      long origin,
      long transfer,
      int index,
      int count,
      long total,
      int serializer,
      String manifest,
      ActorRef<?> to,
      byte[] bytes)
      implements ClusterMessage {}

  /** Room in a frame for what is not a part's bytes: the envelope, the paths, the manifest. */
  static final int ENVELOPE_ROOM = 16 * 1024;

  /** The largest Java array, which holds a whole message. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private static final Id ID = new Id();

  private final boolean remoting;
  private final int partBytes;
  private final long maxMessageBytes;
  private final Serialization serialization;
  private final long origin;
  private final AtomicLong transfers = new AtomicLong();

  private Chunks(ExtendedActorSystem system) {
    var config = system.settings().config();
    this.remoting = system.provider() instanceof org.apache.pekko.remote.RemoteActorRefProvider;
    long frame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    this.partBytes = (int) Math.max(frame / 2, frame - ENVELOPE_ROOM);
    this.maxMessageBytes =
        config.hasPath("splitemu.cluster.maximum-message-size")
            ? Math.min(config.getBytes("splitemu.cluster.maximum-message-size"), MAX_ARRAY)
            : MAX_ARRAY;
    this.serialization = SerializationExtension.get(system);
    this.origin = system.uid();
  }

  /** The parts service of {@code system}. */
  public static Chunks get(org.apache.pekko.actor.ActorSystem system) {
    return ID.get(system);
  }

  /** The parts service of {@code system}. */
  public static Chunks get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return get(Adapter.toClassic(system));
  }

  /** The largest part's bytes. */
  public int partBytes() {
    return partBytes;
  }

  /**
   * Tells {@code to} {@code message}, in parts if {@code to} is on another JVM and the message is
   * larger than one part.
   *
   * @throws IllegalArgumentException if the message is above the maximum message size
   */
  @SuppressWarnings("unchecked")
  public <T> void tell(ActorRef<T> to, T message) {
    List<Chunk> parts =
        remoting && !to.path().address().hasLocalScope() ? split(message, to) : null;
    if (parts == null) {
      to.tell(message);
    } else {
      ActorRef<Object> any = (ActorRef<Object>) (ActorRef<?>) to;
      parts.forEach(any::tell);
    }
  }

  /**
   * Tells sharded entity {@code entityId} {@code message} through {@code region}, in parts if the
   * message is larger than one part (the entity may be on another JVM).
   *
   * @throws IllegalArgumentException if the message is above the maximum message size
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <T> void tellEntity(ActorRef<ShardingEnvelope<T>> region, String entityId, T message) {
    List<Chunk> parts = remoting ? split(message, null) : null;
    if (parts == null) {
      region.tell(new ShardingEnvelope<>(entityId, message));
    } else {
      ActorRef raw = region;
      parts.forEach(p -> raw.tell(new ShardingEnvelope(entityId, p)));
    }
  }

  /**
   * The parts of {@code message} for {@code to} (null: a sharded entity), or null if one frame
   * holds it; what {@link #tell} sends (public for the benchmarks).
   *
   * @throws IllegalArgumentException if the message is above the maximum message size
   */
  public List<Chunk> split(Object message, ActorRef<?> to) {
    Serializer s = serialization.findSerializerFor(message);
    byte[] bytes = s.toBinary(message);
    if (bytes.length <= partBytes) {
      return null;
    }
    if (bytes.length > maxMessageBytes) {
      throw new IllegalArgumentException(
          "a "
              + message.getClass().getSimpleName()
              + " of "
              + bytes.length
              + " bytes is above splitemu.cluster.maximum-message-size ("
              + maxMessageBytes
              + " bytes); raise it on every member");
    }
    String manifest = Serializers.manifestFor(s, message);
    long transfer = transfers.incrementAndGet();
    int count = (int) (((long) bytes.length + partBytes - 1) / partBytes);
    List<Chunk> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * partBytes;
      byte[] part =
          java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + partBytes));
      parts.add(
          new Chunk(origin, transfer, i, count, bytes.length, s.identifier(), manifest, to, part));
    }
    return parts;
  }

  /**
   * {@code behavior} gathering the parts it is told into whole messages: a whole message of {@code
   * protocol} is handed to the behavior where its last part arrives; any other (a reply for one of
   * the actor's message adapters) is told to that adapter. A part that does not fit its transfer,
   * or a whole message that cannot be read, fails the actor with one line (its parent's {@code
   * ChildFailed} carries it).
   */
  public static <T> Behavior<T> reassembling(Class<T> protocol, Behavior<T> behavior) {
    return reassembling(protocol, behavior, null);
  }

  /**
   * {@link #reassembling(Class, Behavior)}, but a refused part or message is handed to {@code
   * refused} as one line and dropped, and the actor goes on: for an actor whose failure no parent
   * reports (a sharded entity, a singleton), {@code refused} tells whoever ends the run.
   */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> reassembling(
      Class<T> protocol, Behavior<T> behavior, java.util.function.Consumer<String> refused) {
    Behavior<Object> b = Behaviors.intercept(() -> new Reassembly<>(protocol, refused), behavior);
    return (Behavior<T>) (Behavior<?>) b;
  }

  /**
   * {@link #reassembling(Class, Behavior)} where the actor's system has remoting, else {@code
   * behavior} itself: parts come only from another JVM, and one actor of a million (issue 16) is
   * then spared the interceptor's objects (about 150 bytes).
   */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> reassemblingIfRemote(Class<T> protocol, Behavior<T> behavior) {
    return Behaviors.setup(
        ctx ->
            get(ctx.getSystem()).remoting
                ? (Behavior<T>)
                    (Behavior<?>)
                        Behaviors.intercept(() -> new Reassembly<>(protocol, null), behavior)
                : behavior);
  }

  /**
   * Lets parts reach a {@link #reassembling} actor through its message adapters (a remote reply to
   * an adapter comes in parts like any other message): call once in the actor's setup.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void acceptOnAdapters(ActorContext<?> ctx) {
    // The part passes through as it is; the actor's Reassembly takes it.
    ctx.messageAdapter(Chunk.class, (org.apache.pekko.japi.function.Function) c -> c);
  }

  /**
   * The parts of transfers in progress, by sender and transfer: what a reassembling actor keeps
   * (public for the benchmarks).
   */
  public static final class Gathered {
    private record Key(long origin, long transfer) {}

    private static final class Partial {
      final Chunk first;
      final List<byte[]> parts = new ArrayList<>();
      long received;

      Partial(Chunk first) {
        this.first = first;
      }
    }

    private final Map<Key, Partial> open = new HashMap<>();
    private final long maxMessageBytes;

    /** Gathers transfers of at most {@code maxMessageBytes} each. */
    public Gathered(long maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
    }

    /** Transfers with parts still missing. */
    public int open() {
      return open.size();
    }

    /**
     * Takes part {@code c}; returns the whole message's bytes when it was the last part, else null.
     *
     * @throws IllegalArgumentException (one line) for a part that does not fit its transfer
     */
    public byte[] take(Chunk c) {
      Key key = new Key(c.origin(), c.transfer());
      byte[] bytes = c.bytes();
      if (bytes == null || bytes.length == 0) {
        throw refused(c, "has no bytes");
      }
      Partial p = open.get(key);
      if (c.index() == 0) {
        if (p != null) {
          throw refused(c, "opens a transfer that is already open");
        }
        if (c.count() < 2 || c.total() < c.count() || c.total() > maxMessageBytes) {
          throw refused(
              c,
              "announces "
                  + c.count()
                  + " parts of "
                  + c.total()
                  + " bytes (at most "
                  + maxMessageBytes
                  + " bytes, splitemu.cluster.maximum-message-size)");
        }
        p = new Partial(c);
        open.put(key, p);
      } else if (p == null) {
        throw refused(c, "belongs to a transfer whose first part never came");
      } else if (c.index() != p.parts.size() || c.count() != p.first.count()) {
        throw refused(
            c, "comes out of order (part " + p.parts.size() + " of " + p.first.count() + " due)");
      }
      if (p.received + bytes.length > p.first.total()) {
        open.remove(key);
        throw refused(c, "goes beyond the " + p.first.total() + " bytes announced");
      }
      p.parts.add(bytes);
      p.received += bytes.length;
      if (p.parts.size() < p.first.count()) {
        return null;
      }
      open.remove(key);
      if (p.received != p.first.total()) {
        throw refused(
            c, "ends its transfer at " + p.received + " of " + p.first.total() + " bytes");
      }
      byte[] whole = new byte[(int) p.received];
      int at = 0;
      for (byte[] part : p.parts) {
        System.arraycopy(part, 0, whole, at, part.length);
        at += part.length;
      }
      return whole;
    }

    private static IllegalArgumentException refused(Chunk c, String why) {
      return new IllegalArgumentException(
          "a message in parts was refused: part "
              + c.index()
              + " of transfer "
              + c.transfer()
              + " "
              + why);
    }
  }

  /** The interceptor of a {@link #reassembling} actor. */
  private static final class Reassembly<T> extends BehaviorInterceptor<Object, T> {
    private final Class<T> protocol;
    private final java.util.function.Consumer<String> refused;
    private Gathered gathered;
    private Serialization serialization;

    Reassembly(Class<T> protocol, java.util.function.Consumer<String> refused) {
      super(Object.class);
      this.protocol = protocol;
      this.refused = refused;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Behavior<T> aroundReceive(
        TypedActorContext<Object> ctx, Object message, ReceiveTarget<T> target) {
      if (!(message instanceof Chunk c)) {
        return target.apply(ctx, (T) message);
      }
      if (gathered == null) {
        Chunks chunks = get(ctx.asJava().getSystem());
        gathered = new Gathered(chunks.maxMessageBytes);
        serialization = chunks.serialization;
      }
      Object m;
      try {
        m = whole(ctx, c);
      } catch (IllegalArgumentException e) {
        if (refused == null) {
          throw e;
        }
        refused.accept(e.getMessage());
        return Behaviors.same();
      }
      if (m == null) {
        return Behaviors.same();
      }
      if (protocol.isInstance(m)) {
        return target.apply(ctx, (T) m);
      }
      // A reply for one of this actor's message adapters (checked in whole): the adapter turns it
      // into a command. It is adapted after what is already in the mailbox.
      ((ActorRef<Object>) c.to()).tell(m);
      return Behaviors.same();
    }

    /**
     * The whole message once {@code c} was its last part, else null.
     *
     * @throws IllegalArgumentException (one line) for a part or message this actor refuses
     */
    private Object whole(TypedActorContext<Object> ctx, Chunk c) {
      byte[] bytes = gathered.take(c);
      if (bytes == null) {
        return null;
      }
      Object m;
      try {
        m = serialization.deserialize(bytes, c.serializer(), c.manifest()).get();
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "a message in parts was refused: transfer "
                + c.transfer()
                + " cannot be read: "
                + e.getClass().getSimpleName()
                + ": "
                + e.getMessage(),
            e);
      }
      if (!protocol.isInstance(m)
          && (c.to() == null || !ctx.asJava().getSelf().path().equals(c.to().path().parent()))) {
        // Only this actor's own adapters are handed a whole message: never a relay to others.
        throw new IllegalArgumentException(
            "a message in parts was refused: a "
                + m.getClass().getSimpleName()
                + " for "
                + (c.to() == null ? "no one" : c.to().path())
                + ", neither this actor nor one of its adapters");
      }
      return m;
    }
  }

  private static final class Id extends AbstractExtensionId<Chunks> {
    @Override
    public Chunks createExtension(ExtendedActorSystem system) {
      return new Chunks(system);
    }
  }
}
