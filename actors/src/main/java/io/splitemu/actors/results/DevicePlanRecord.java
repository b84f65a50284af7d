package io.splitemu.actors.results;

/**
 * A device's plan for a round as the scheme decided it at the round's start (its cut and its link
 * shares): published for the live metrics; {@code devices.csv} records the round once it ends.
 *
 * @param cut the device's cut as {@code devices.csv} shows it
 * @param upShare the device's share of its uplink band, {@code NaN} when the scheme plans none
 * @param downShare the device's share of its downlink band, {@code NaN} when the scheme plans none
 */
public record DevicePlanRecord(
    int round, int device, String cut, double upShare, double downShare) {}
