package io.splitemu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EditDistanceTest {

  @Test
  void countsInsertionsDeletionsAndSubstitutions() {
    assertEquals(0, EditDistance.between("rounds", "rounds"));
    assertEquals(1, EditDistance.between("round", "rounds"), "one insertion");
    assertEquals(1, EditDistance.between("roundss", "rounds"), "one deletion");
    assertEquals(1, EditDistance.between("rounts", "rounds"), "one substitution");
    assertEquals(2, EditDistance.between("ruonds", "rounds"), "a swap is two substitutions");
    assertEquals(3, EditDistance.between("kitten", "sitting"));
  }

  @Test
  void toOrFromEmpty_isTheOtherLength_andItIsSymmetric() {
    assertEquals(0, EditDistance.between("", ""));
    assertEquals(6, EditDistance.between("", "rounds"));
    assertEquals(6, EditDistance.between("rounds", ""));
    assertEquals(
        EditDistance.between("batch-size", "bach_sz"),
        EditDistance.between("bach_sz", "batch-size"));
  }
}
