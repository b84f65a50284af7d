package io.splitemu.net.stream;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.link.Link;

/** A payload as it leaves a link, with its emulated arrival instant and the transfer's details. */
public record Delivered<T>(T payload, EmulatedInstant arrival, Link.Delivery delivery) {}
