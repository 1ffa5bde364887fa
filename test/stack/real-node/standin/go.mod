module local/standin

go 1.26
