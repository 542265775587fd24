package io.c2cgateway.system;

import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract's time format written by hand must be exactly what the formatter wrote. */
class InstantTextTests {

	@Test
	void instantTextWhenAnyInstantOfFourDigitYearsThenSameAsTheFormatter() {
		SplittableRandom random = new SplittableRandom(20261207);
		long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
		long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
		for (int i = 0; i < 200_000; i++) {
			Instant instant = Instant.ofEpochSecond(random.nextLong(first, last + 1), random.nextInt(1_000_000_000));
			assertThat(new String(TimeConfiguration.InstantText.of(instant)))
				.isEqualTo(TimeConfiguration.InstantText.FORMAT.format(instant));
		}
	}

	@Test
	void instantTextWhenEdgesOfTheDayAndTheMillisecondThenSameAsTheFormatter() {
		for (String text : new String[] { "1970-01-01T00:00:00Z", "2026-11-28T10:15:30Z", "2026-12-31T23:59:59.999999999Z",
				"2024-02-29T12:00:00.000999Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z" }) {
			Instant instant = Instant.parse(text);
			assertThat(new String(TimeConfiguration.InstantText.of(instant)))
				.isEqualTo(TimeConfiguration.InstantText.FORMAT.format(instant));
		}
		assertThat(new String(TimeConfiguration.InstantText.of(Instant.parse("2026-11-28T10:15:30Z"))))
			.isEqualTo("2026-11-28T10:15:30.000Z");
	}

	@Test
	void instantTextWhenYearBeyondFourDigitsThenTheFormattersText() {
		Instant far = Instant.parse("+12026-01-01T00:00:00Z");
		assertThat(new String(TimeConfiguration.InstantText.of(far))).isEqualTo(TimeConfiguration.InstantText.FORMAT.format(far));
	}

}
