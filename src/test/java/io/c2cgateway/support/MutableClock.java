package io.c2cgateway.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** A clock tests move by hand; millisecond precision like the production clock. */
public final class MutableClock extends Clock {

	private volatile Instant now;

	public MutableClock(Instant start) {
		this.now = start.truncatedTo(ChronoUnit.MILLIS);
	}

	public synchronized void advance(Duration duration) {
		this.now = this.now.plus(duration);
	}

	public synchronized void set(Instant instant) {
		this.now = instant.truncatedTo(ChronoUnit.MILLIS);
	}

	@Override
	public Instant instant() {
		return this.now;
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}

}
