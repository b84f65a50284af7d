package io.splitemu.model.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Caps on what a decoded message may claim, so that a few crafted bytes cannot make the decoder
 * allocate gigabytes or recurse until the stack overflows.
 *
 * <p>A message always arrives whole as a byte array, and every array element, collection entry and
 * string character takes at least one byte of it; so a length greater than the bytes left is
 * corrupt, and is refused before anything of that length is allocated. Nesting is capped by Kryo's
 * own depth counter.
 */
final class WireLimits {
  private WireLimits() {}

  /**
   * Deepest nesting of objects in one message: real messages nest a record, a list, a record and a
   * tensor (under 10 levels); 100 leaves room and keeps the decoder's stack small.
   */
  static final int MAX_DEPTH = 100;

  /** Refuses a count of {@code size} items of at least one byte each that the input cannot hold. */
  static void checkCount(Input input, long size, String what) {
    if (size < 0 || size > input.limit() - input.position()) {
      throw new WireFormatException(
          what
              + " of "
              + size
              + " exceeds the "
              + (input.limit() - input.position())
              + " bytes left in the message");
    }
  }

  /** The decoder's input: refuses string lengths beyond the bytes left. */
  static final class BoundedInput extends Input {
    BoundedInput(byte[] bytes) {
      super(bytes);
    }

    @Override
    public String readString() {
      checkStringLength();
      return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
      checkStringLength();
      return super.readStringBuilder();
    }

    // Kryo writes a string either as ASCII ending at a byte with its top bit set (read byte by
    // byte, so already bounded) or as a flagged char count + 1 followed by the chars; a count + 1
    // of 0 is a null string.
    private void checkStringLength() {
      int start = position();
      if (start < limit() && readVarIntFlag()) {
        long count = readVarIntFlag(true) - 1L;
        if (count >= 0) {
          checkCount(this, count, "a string length");
        }
        setPosition(start);
      }
    }
  }

  /** An array serializer that checks the length prefix before its delegate allocates. */
  static final class LengthChecked<T> extends Serializer<T> {
    private final Serializer<T> delegate;

    LengthChecked(Serializer<T> delegate) {
      super(delegate.getAcceptsNull(), delegate.isImmutable());
      this.delegate = delegate;
    }

    @Override
    public void write(Kryo kryo, Output output, T object) {
      delegate.write(kryo, output, object);
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
      int start = input.position();
      long length = input.readVarInt(true) - 1L; // Kryo's arrays write length + 1, 0 for null
      checkCount(input, length, "an array length");
      input.setPosition(start);
      return delegate.read(kryo, input, type);
    }
  }

  /**
   * Kryo's collection serializer with the size checked before the collection is made. Kryo fills a
   * hashed set through a {@link CheckingSet}, which checks each element before the set hashes it
   * (see {@link ImmutableCollectionSerializers#checkHashable}).
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static final class CheckedCollectionSerializer extends CollectionSerializer<Collection> {
    @Override
    protected Collection create(
        Kryo kryo, Input input, Class<? extends Collection> type, int size) {
      checkCount(input, size, "a collection size");
      Collection made = super.create(kryo, input, type, size);
      return made instanceof Set ? new CheckingSet(made) : made;
    }

    @Override
    public Collection read(Kryo kryo, Input input, Class<? extends Collection> type) {
      Collection read = super.read(kryo, input, type);
      return read instanceof CheckingSet checking ? checking.into : read;
    }
  }

  /** The set Kryo made, as Kryo's reader adds to it: each element is checked, then added. */
  private static final class CheckingSet extends AbstractCollection<Object> {
    private final Collection<Object> into;

    CheckingSet(Collection<Object> into) {
      this.into = into;
    }

    @Override
    public boolean add(Object element) {
      return into.add(ImmutableCollectionSerializers.checkHashable(element));
    }

    @Override
    public Iterator<Object> iterator() {
      return into.iterator();
    }

    @Override
    public int size() {
      return into.size();
    }
  }

  /**
   * Kryo's map serializer with the size checked before the map is made. Kryo fills the map through
   * a {@link CheckingMap}, which checks each key before the map hashes it.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static final class CheckedMapSerializer extends MapSerializer<Map> {
    @Override
    protected Map create(Kryo kryo, Input input, Class<? extends Map> type, int size) {
      checkCount(input, size, "a map size");
      return new CheckingMap(super.create(kryo, input, type, size));
    }

    @Override
    public Map read(Kryo kryo, Input input, Class<? extends Map> type) {
      Map read = super.read(kryo, input, type);
      return read instanceof CheckingMap checking ? checking.into : read;
    }
  }

  /** The map Kryo made, as Kryo's reader puts into it: each key is checked, then put. */
  private static final class CheckingMap extends AbstractMap<Object, Object> {
    private final Map<Object, Object> into;

    CheckingMap(Map<Object, Object> into) {
      this.into = into;
    }

    @Override
    public Object put(Object key, Object value) {
      return into.put(ImmutableCollectionSerializers.checkHashable(key), value);
    }

    @Override
    public Set<Map.Entry<Object, Object>> entrySet() {
      return into.entrySet();
    }
  }

  /** Kryo's tree-set serializer with the size checked first. */
  static final class CheckedTreeSetSerializer extends DefaultSerializers.TreeSetSerializer {
    @Override
    protected TreeSet create(Kryo kryo, Input input, Class<? extends TreeSet> type, int size) {
      checkCount(input, size, "a collection size");
      return super.create(kryo, input, type, size);
    }
  }

  /** Kryo's tree-map serializer with the size checked first. */
  static final class CheckedTreeMapSerializer extends DefaultSerializers.TreeMapSerializer {
    @Override
    protected TreeMap create(Kryo kryo, Input input, Class<? extends TreeMap> type, int size) {
      checkCount(input, size, "a map size");
      return super.create(kryo, input, type, size);
    }
  }

  /** The capped serializer for a registered type, or null if Kryo's default is safe. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Serializer<?> cappedFor(Kryo kryo, Class<?> type) {
    if (type == TreeSet.class) {
      return new CheckedTreeSetSerializer();
    }
    if (type == TreeMap.class) {
      return new CheckedTreeMapSerializer();
    }
    if (Collection.class.isAssignableFrom(type)) {
      return new CheckedCollectionSerializer();
    }
    if (Map.class.isAssignableFrom(type)) {
      return new CheckedMapSerializer();
    }
    if (type.isArray()) {
      return new LengthChecked(kryo.getDefaultSerializer(type));
    }
    return null;
  }
}
