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

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof Integer k && k >= 0 && bits.get(k);
  }

  @Override
  public boolean add(Integer id) {
    int k = id;
    if (k < 0) {
      throw new IllegalArgumentException("device ids are 0 or more: " + k);
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
    bits.clear((Integer) o);
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
        return last;
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
