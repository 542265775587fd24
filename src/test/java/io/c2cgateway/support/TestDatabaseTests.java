package io.c2cgateway.support;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.TestDatabase.Source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Where tests and {@code spring-boot:test-run} get PostgreSQL from. */
class TestDatabaseTests {

	@Test
	void whenADockerEngineAnswersThenAContainerIsUsed() {
		assertThat(TestDatabase.choose(null, () -> true)).isEqualTo(Source.CONTAINER);
		assertThat(TestDatabase.choose("auto", () -> true)).isEqualTo(Source.CONTAINER);
	}

	@Test
	void whenNoDockerEngineAnswersThenTheEmbeddedPostgresIsUsed() {
		assertThat(TestDatabase.choose(null, () -> false)).isEqualTo(Source.EMBEDDED);
		assertThat(TestDatabase.choose(" ", () -> false)).isEqualTo(Source.EMBEDDED);
	}

	@Test
	void anExplicitChoiceWinsWithoutAskingForAnEngine() {
		AtomicInteger asked = new AtomicInteger();
		BooleanSupplier engine = () -> asked.incrementAndGet() > 0;
		assertThat(TestDatabase.choose("embedded", engine)).isEqualTo(Source.EMBEDDED);
		assertThat(TestDatabase.choose("CONTAINER", () -> false)).isEqualTo(Source.CONTAINER);
		assertThat(asked).hasValue(0);
	}

	@Test
	void anUnknownChoiceIsRefusedNamingTheSetting() {
		assertThatIllegalArgumentException().isThrownBy(() -> TestDatabase.choose("docker", () -> true))
			.withMessageContaining(TestDatabase.CHOICE_PROPERTY)
			.withMessageContaining("docker");
	}

	@Test
	void theSharedDatabaseComesFromWhereTestcontainersDetectionPoints() {
		boolean engine = TestDatabase.dockerAvailable();
		System.out.printf("Docker engine answering: %s; test database: %s%n", engine, TestDatabase.source());
		if (System.getProperty(TestDatabase.CHOICE_PROPERTY) == null && System.getenv("C2C_TEST_DATABASE") == null) {
			assertThat(TestDatabase.source()).isEqualTo(engine ? Source.CONTAINER : Source.EMBEDDED);
		}
	}

}
