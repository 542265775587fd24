package io.c2cgateway.console;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchCsvTests {

	@Test
	void linesWithoutHeaderAreDeviceModelVersionAndKeepTheirLineNumbersPastBlanksAndComments() {
		assertThat(BatchCsv.read("SN-1\n\n# scanned at line 3\n SN-2 , cam-x ,2.1.0\r\nSN-3,cam-y"))
			.containsExactly(new BatchCsv.Line(1, "SN-1", null, null, null),
					new BatchCsv.Line(4, "SN-2", "cam-x", "2.1.0", null), new BatchCsv.Line(5, "SN-3", "cam-y", null, null));
	}

	@Test
	void headerNamesTheColumnsInAnyOrderAndSpelling() {
		assertThat(BatchCsv.read("Client Version,device_id,MODEL\n2.0.0,SN-1,cam-x\n,\"SN-2\",\n"))
			.containsExactly(new BatchCsv.Line(2, "SN-1", "cam-x", "2.0.0", null),
					new BatchCsv.Line(3, "SN-2", null, null, null));
	}

	@Test
	void lineWithMoreColumnsThanKnownIsReadWithItsProblem() {
		assertThat(BatchCsv.read("deviceId\nSN-1,cam-x").get(0).problem())
			.isEqualTo("has 2 columns; at most 1 (device id, model, client version)");
	}

	@Test
	void unknownOrRepeatedHeaderColumnsAndBrokenQuotingMakeTheListUnreadable() {
		assertThatThrownBy(() -> BatchCsv.read("deviceId,serial\nSN-1,x")).isInstanceOf(BatchCsv.Unreadable.class)
			.hasMessage("Line 1: the header may name deviceId, model and clientVersion, each once");
		assertThatThrownBy(() -> BatchCsv.read("deviceId,model,model\nSN-1,x,y")).isInstanceOf(BatchCsv.Unreadable.class);
		assertThatThrownBy(() -> BatchCsv.read("SN-1,\"cam-x\nSN-2")).isInstanceOf(BatchCsv.Unreadable.class)
			.hasMessageStartingWith("The list could not be read as CSV: ");
	}

	@Test
	void emptyTextHasNoLines() {
		assertThat(BatchCsv.read("\n  \n# nothing\n")).isEmpty();
	}

}
