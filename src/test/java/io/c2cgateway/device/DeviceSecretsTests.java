package io.c2cgateway.device;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class DeviceSecretsTests extends CustodyTest {

	@Test
	void tokensAndKeysNeverInLogsAuditOrAnyResponseButTheirOwn(CapturedOutput output) {
		Paired paired = pair();
		List<String> secrets = new ArrayList<>();
		List<String> bodies = new ArrayList<>();
		secrets.add(stored(paired.deviceId(), "access_token").reveal());
		secrets.add(stored(paired.deviceId(), "refresh_token").reveal());
		String key = deviceKey(paired);
		secrets.add(key);
		moveBelowMinValidity(paired.deviceId());
		// A lost answer and its retry, so the unknown-outcome paths log too.
		this.simulator.inject(Fault.delay("token_refresh", paired.deviceId(), java.time.Duration.ofMillis(4000)));
		Api.Response token = accessToken(key, paired.deviceId());
		assertThat(token.status()).isEqualTo(200);
		secrets.add(token.json().path("accessToken").asString());
		secrets.add(stored(paired.deviceId(), "refresh_token").reveal());
		String rekeyed = admin().post("/api/v1/devices/" + paired.deviceId() + "/device-key", null)
			.json()
			.path("deviceKey")
			.asString();
		secrets.add(rekeyed);

		bodies.add(admin().get("/api/v1/devices/" + paired.deviceId()).body());
		bodies.add(admin().get("/api/v1/devices?model=" + paired.model()).body());
		bodies.add(admin().get("/api/v1/pairings/" + paired.pairingId()).body());
		bodies.add(this.api.as(paired.station()).post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null).body());
		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 503, null));
		bodies.add(admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).body());
		bodies.add(accessToken(Api.BOOTSTRAP_KEY, paired.deviceId()).body());
		bodies.add(accessToken(rekeyed, paired.deviceId()).body());

		List<String> audit = this.jdbc.sql("select coalesce(detail, '') || ' ' || actor from audit_event where subject_id = ?")
			.param(paired.deviceId())
			.query(String.class)
			.list();
		assertThat(audit).isNotEmpty();
		assertThat(output.getAll()).contains(paired.deviceId());
		for (String secret : secrets) {
			assertThat(output.getAll()).as("logs").doesNotContain(secret);
			assertThat(bodies).as("responses").allSatisfy((body) -> assertThat(body).doesNotContain(secret));
			assertThat(audit).as("audit").allSatisfy((line) -> assertThat(line).doesNotContain(secret));
		}
	}

}
