//! The few `google.rpc` / `google.protobuf` messages OTLP error responses use,
//! as prost messages: [`Status`], [`Any`], [`RetryInfo`] and [`Duration`].

use prost::Message;

/// The `type_url` of a [`RetryInfo`] packed in an [`Any`].
pub const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`: the body of every OTLP/HTTP error response and the
/// content of a gRPC `grpc-status-details-bin` trailer.
#[derive(Clone, PartialEq, Message)]
pub struct Status {
    /// The gRPC status code (informational in OTLP/HTTP).
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// A developer-facing error message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details, such as a [`RetryInfo`].
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`: a message with its type.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    /// The type of the packed message (`type.googleapis.com/google.rpc.RetryInfo`).
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The packed message's protobuf encoding.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`: how long the client should wait before retrying.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    /// The delay before the next attempt.
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<Duration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct Duration {
    /// Whole seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds on top of `seconds` (0..1e9).
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl From<std::time::Duration> for Duration {
    fn from(d: std::time::Duration) -> Self {
        Duration {
            seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            // subsec_nanos() < 1e9 always fits in an i32.
            nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
        }
    }
}

impl Status {
    /// A status with a code and message and no details.
    pub fn new(code: tonic::Code, message: impl Into<String>) -> Self {
        Status {
            code: code as i32,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Adds a [`RetryInfo`] detail asking the client to wait `delay`.
    pub fn with_retry_delay(mut self, delay: std::time::Duration) -> Self {
        let info = RetryInfo {
            retry_delay: Some(delay.into()),
        };
        self.details.push(Any {
            type_url: RETRY_INFO_TYPE_URL.to_string(),
            value: info.encode_to_vec(),
        });
        self
    }

    /// The retry delay of the first [`RetryInfo`] detail, if any.
    pub fn retry_delay(&self) -> Option<std::time::Duration> {
        self.details
            .iter()
            .filter(|a| a.type_url == RETRY_INFO_TYPE_URL)
            .find_map(|a| RetryInfo::decode(a.value.as_slice()).ok())
            .and_then(|r| r.retry_delay)
            .map(|d| {
                std::time::Duration::new(
                    u64::try_from(d.seconds).unwrap_or(0),
                    u32::try_from(d.nanos).unwrap_or(0),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_round_trips() {
        let s = Status::new(tonic::Code::Unavailable, "later")
            .with_retry_delay(std::time::Duration::from_millis(2500));
        let back = Status::decode(s.encode_to_vec().as_slice()).unwrap();
        assert_eq!(back.code, 14);
        assert_eq!(back.message, "later");
        assert_eq!(back.retry_delay(), Some(std::time::Duration::from_millis(2500)));
        assert_eq!(Status::new(tonic::Code::Internal, "x").retry_delay(), None);
    }
}
