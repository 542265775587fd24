package io.c2cgateway.system;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

@Configuration(proxyBeanMethods = false)
class TimeConfiguration {

	/**
	 * Microsecond ticks, PostgreSQL's resolution: every instant survives a round trip through the
	 * database unchanged. Coarser ticks would not do: a poll scheduled from a receipt time
	 * truncated to the millisecond could leave up to a millisecond before its interval is up.
	 */
	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000));
	}

	/** The contract's times always show milliseconds, {@code 2026-11-28T10:15:30.000Z}, never a bare second. */
	@Bean
	SimpleModule instantFormatModule() {
		DateTimeFormatter format = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
		SimpleModule module = new SimpleModule("c2c-instant-format");
		module.addSerializer(Instant.class, new ValueSerializer<Instant>() {
			@Override
			public void serialize(Instant value, JsonGenerator gen, SerializationContext ctxt) {
				gen.writeString(format.format(value));
			}
		});
		return module;
	}

}
