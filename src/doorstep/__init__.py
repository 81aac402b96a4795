"""doorstep: public-service guides as a phone-first website and printable QR pamphlets."""
