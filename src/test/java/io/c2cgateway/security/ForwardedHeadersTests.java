package io.c2cgateway.security;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client address the audit trail records: behind an ingress, the forwarded one, but only from
 * the proxies an operator named; anyone else's X-Forwarded-For is a claim, not an address.
 */
class ForwardedHeadersTests extends IntegrationTest {

	@Test
	void refusedLoginWhenAnUntrustedClientSendsXForwardedForThenTheAuditRecordsItsOwnAddress() {
		String marker = UUID.randomUUID().toString();
		Api.Response refused = Api.at(this.port)
			.as("not-a-key")
			.send("GET", "/api/v1/pairings/" + marker, null, null, Map.of("X-Forwarded-For", "203.0.113.7"));
		assertThat(refused.status()).isEqualTo(401);
		String detail = this.jdbc
			.sql("select detail from audit_event where action = 'auth.refused' and detail like ? order by at desc limit 1")
			.param("%" + marker + "%")
			.query(String.class)
			.single();
		assertThat(detail).contains("remote=127.0.0.1").doesNotContain("203.0.113.7");
	}

	@Test
	void refusedLoginWhenATrustedProxyForwardsThenTheAuditRecordsTheClientsAddress() {
		try (SecondReplica behindIngress = SecondReplica.start("ingress-replica", this.port, this.clock,
				Map.of("server.tomcat.remoteip.internal-proxies", "127\\.0\\.0\\.1"))) {
			String marker = UUID.randomUUID().toString();
			Api.Response refused = Api.at(behindIngress.port())
				.as("not-a-key")
				.send("GET", "/api/v1/pairings/" + marker, null, null, Map.of("X-Forwarded-For", "203.0.113.7"));
			assertThat(refused.status()).isEqualTo(401);
			String detail = this.jdbc
				.sql("select detail from audit_event where action = 'auth.refused' and detail like ? order by at desc limit 1")
				.param("%" + marker + "%")
				.query(String.class)
				.single();
			assertThat(detail).contains("remote=203.0.113.7");
		}
	}

}
