package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * What a {@code deadline} row says the run does with the device. A device of a cluster member lost
 * in the round is out until it is re-created (its {@code rejoin} row), not dropped from later
 * rounds: before the fix its row said {@code dropped from the step, FedAvg and later rounds}, and a
 * {@code rejoin} row brought it back from the next round.
 */
class DeadlineRowTest {

  private static final String WHY = "activations: no reply by the emulated deadline";

  @Test
  void aDeviceOfALostMember_isOutUntilItIsRecreated() {
    String expected =
        "no answer by barrier.deadline ("
            + WHY
            + "); its cluster member is lost: out of the step and FedAvg of this round,"
            + " re-created on a surviving devices member to take part again from round 4"
            + " (member-lost, rejoin rows)";
    assertEquals(expected, Supervisor.deadlineDetail(WHY, true, true, true, 3));
    assertEquals(expected, Supervisor.deadlineDetail(WHY, false, true, true, 3));
    assertEquals(
        "no answer by barrier.deadline ("
            + WHY
            + "); its cluster member is lost: out for the rest of the run (member-lost row)",
        Supervisor.deadlineDetail(WHY, true, true, false, 3));
  }

  @Test
  void anyOtherDevice_asSurvivalAbsentSays() {
    assertEquals(
        "no answer by barrier.deadline ("
            + WHY
            + "); dropped from the step, FedAvg and later rounds",
        Supervisor.deadlineDetail(WHY, true, false, false, 3));
    assertEquals(
        "no answer by barrier.deadline ("
            + WHY
            + "); dropped from the step and FedAvg of this round, asked again next round"
            + " (survival.absent = drop-for-round)",
        Supervisor.deadlineDetail(WHY, false, false, false, 3));
  }
}
