package io.splitemu.model;

/**
 * The Levenshtein distance of two names, for the "did you mean" of a refused key, field or name
 * (scenario keys, prototxt and DAG JSON fields). The names are short; a caller that reads names
 * from a file bounds their length first.
 */
public final class EditDistance {

  private EditDistance() {}

  /** The fewest single-character insertions, deletions and substitutions from {@code a} to b. */
  public static int between(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
