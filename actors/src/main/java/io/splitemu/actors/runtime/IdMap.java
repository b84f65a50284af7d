package io.splitemu.actors.runtime;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A map keyed by device id (0 and up) in an array indexed by id, iterated in ascending id order as
 * a {@link java.util.TreeMap} of the same entries is. A {@code TreeMap} by device id took an entry
 * (40 bytes) and a boxed key (16) per device and map, of which a million devices (issue 16) had a
 * dozen. Null values are kept as {@code TreeMap} keeps them. Not for messages: what leaves the
 * actor is a copy into an ordinary map.
 */
final class IdMap<V> extends AbstractMap<Integer, V> {

  // A key held with a null value.
  private static final Object NULL = new Object();

  // By id: null where the key is absent, NULL where its value is null.
  private Object[] values = new Object[16];
  private int size;
  // The least id kept: slot i holds id base + i (a barrier of sl's one device keeps one slot, not
  // one per device below it).
  private final int base;
  // The keys put since the last clear lie in [lo, hi): a clear and an iteration cost that span,
  // not the array (sl's one-device visits clear and walk maps of a million slots).
  private int lo = Integer.MAX_VALUE;
  private int hi;
  // The slots put since the last clear while they are few (-1 once more than SPARSE were): a
  // clear and an iteration of a few keys spread over a wide span (the members of a visit of one of
  // many cpsl clusters, whose ids are scattered over all N) cost the keys, not the span. A slot
  // removed and put again is listed twice; a listed slot may since be empty.
  private static final int SPARSE = 4096;
  private int[] keys = new int[8];
  private int keyCount;

  /** A map of ids from 0. */
  IdMap() {
    this(0);
  }

  /** A map of ids from {@code base} (a smaller id is never in it and cannot be put). */
  IdMap(int base) {
    this.base = base;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    if (!(key instanceof Integer id)) {
      return false;
    }
    int k = id - base;
    return k >= 0 && k < values.length && values[k] != null;
  }

  @SuppressWarnings("unchecked")
  private static <V> V value(Object slot) {
    return slot == NULL ? null : (V) slot;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    if (!(key instanceof Integer id)) {
      return null;
    }
    int k = id - base;
    if (k < 0 || k >= values.length) {
      return null;
    }
    return value(values[k]);
  }

  @Override
  @SuppressWarnings("unchecked")
  public V put(Integer key, V value) {
    int k = key - base;
    if (k < 0) {
      throw new IllegalArgumentException("ids here are " + base + " or more: " + key);
    }
    if (k >= values.length) {
      values = Arrays.copyOf(values, Math.max(k + 1, values.length * 2));
    }
    Object old = values[k];
    values[k] = value == null ? NULL : value;
    if (old == null) {
      size++;
      if (keyCount >= 0) {
        if (keyCount == SPARSE) {
          keyCount = -1;
        } else {
          if (keyCount == keys.length) {
            keys = Arrays.copyOf(keys, 2 * keyCount);
          }
          keys[keyCount++] = k;
        }
      }
    }
    lo = Math.min(lo, k);
    hi = Math.max(hi, k + 1);
    return value(old);
  }

  @Override
  @SuppressWarnings("unchecked")
  public V remove(Object key) {
    if (!(key instanceof Integer id)) {
      return null;
    }
    int k = id - base;
    if (k < 0 || k >= values.length || values[k] == null) {
      return null;
    }
    Object old = values[k];
    values[k] = null;
    size--;
    return value(old);
  }

  // Whether the listed slots are fewer than the span by far (then walk them, not the span).
  private boolean sparse() {
    return keyCount >= 0 && 8L * keyCount < (long) hi - lo;
  }

  @Override
  public void clear() {
    if (sparse()) {
      for (int i = 0; i < keyCount; i++) {
        values[keys[i]] = null;
      }
    } else if (lo < hi) {
      Arrays.fill(values, lo, hi, null);
    }
    size = 0;
    lo = Integer.MAX_VALUE;
    hi = 0;
    keyCount = 0;
  }

  // The slots to walk in ascending order: the listed ones sorted (each once), else the span.
  private int[] walk() {
    if (!sparse()) {
      return null;
    }
    int[] sorted = Arrays.copyOf(keys, keyCount);
    Arrays.sort(sorted);
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (values[sorted[i]] != null && (n == 0 || sorted[n - 1] != sorted[i])) {
        sorted[n++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, n);
  }

  @Override
  public Set<Entry<Integer, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Entry<Integer, V>> iterator() {
        return new Iterator<>() {
          // Sparse: the slots in order, walked by position; else the span, walked by slot.
          private final int[] order = walk();
          private int next = order != null ? 0 : advance(Math.min(lo, hi));
          private int last = -1;

          private int advance(int from) {
            while (from < hi && values[from] == null) {
              from++;
            }
            return from;
          }

          @Override
          public boolean hasNext() {
            return order != null ? next < order.length : next < hi;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Entry<Integer, V> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            if (order != null) {
              last = order[next++];
            } else {
              last = next;
              next = advance(next + 1);
            }
            int k = last;
            return new SimpleEntry<Integer, V>(base + k, value(values[k])) {
              @Override
              public V setValue(V value) {
                values[k] = value == null ? NULL : value;
                return super.setValue(value);
              }
            };
          }

          @Override
          public void remove() {
            if (last < 0 || values[last] == null) {
              throw new IllegalStateException();
            }
            values[last] = null;
            size--;
          }
        };
      }
    };
  }
}
