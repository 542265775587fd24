package io.c2cgateway.pairing;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.crypto.SealedColumn;
import io.c2cgateway.system.ClusterJob;

@Configuration(proxyBeanMethods = false)
class PairingConfiguration {

	@Bean
	SealedColumn pairingDeviceCode() {
		return new SealedColumn("pairing", "device_code_enc", "id", "device_code");
	}

	@Bean
	SealedColumn pairingUserCode() {
		return new SealedColumn("pairing", "user_code", "id", PairingStore.USER_CODE, true);
	}

	@Bean
	SealedColumn pairingVerificationUriComplete() {
		return new SealedColumn("pairing", "verification_uri_complete", "id", PairingStore.VERIFICATION_URI_COMPLETE, true);
	}

	@Bean
	ClusterJob frameioDeviceLookupJob(FrameioDeviceLookups lookups) {
		return lookups.job();
	}

}
