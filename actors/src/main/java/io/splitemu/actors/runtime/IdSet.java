package io.splitemu.actors.runtime;

import java.util.AbstractSet;
import java.util.BitSet;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A set of device ids (0 and up) in a bit set, iterated in ascending order as a {@link
 * java.util.TreeSet} of the same ids is: a bit per device where a {@code TreeSet} took an entry and
 * a boxed id (~56 bytes, issue 16's million devices). Not for messages.
 */
final class IdSet extends AbstractSet<Integer> {

  private final BitSet bits = new BitSet();
  private int size;
  // The least id kept: bit i is id base + i (as IdMap's base).
  private final int base;

  /** A set of ids from 0. */
  IdSet() {
    this(0);
  }

  /** A set of ids from {@code base} (a smaller id is never in it and cannot be added). */
  IdSet(int base) {
    this.base = base;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof Integer id && id - base >= 0 && bits.get(id - base);
  }

  @Override
  public boolean add(Integer id) {
    int k = id - base;
    if (k < 0) {
      throw new IllegalArgumentException("ids here are " + base + " or more: " + id);
    }
    if (bits.get(k)) {
      return false;
    }
    bits.set(k);
    size++;
    return true;
  }

  @Override
  public boolean remove(Object o) {
    if (!contains(o)) {
      return false;
    }
    bits.clear((Integer) o - base);
    size--;
    return true;
  }

  @Override
  public void clear() {
    bits.clear();
    size = 0;
  }

  @Override
  public Iterator<Integer> iterator() {
    return new Iterator<>() {
      private int next = bits.nextSetBit(0);
      private int last = -1;

      @Override
      public boolean hasNext() {
        return next >= 0;
      }

      @Override
      public Integer next() {
        if (next < 0) {
          throw new NoSuchElementException();
        }
        last = next;
        next = next == Integer.MAX_VALUE ? -1 : bits.nextSetBit(next + 1);
        return base + last;
      }

      @Override
      public void remove() {
        if (last < 0 || !bits.get(last)) {
          throw new IllegalStateException();
        }
        bits.clear(last);
        size--;
      }
    };
  }
}
