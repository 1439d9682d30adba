"""Organization pages list models in reading order: numbers compare as numbers (review P15:
"Llama 2 13B, 70B, 7B" was string order)."""

from generator.site.stages import natural_key


def test_sizes_sort_as_numbers() -> None:
    names = ["Llama 2 70B", "Llama 2 7B", "Llama 2 13B"]
    assert sorted(names, key=natural_key) == ["Llama 2 7B", "Llama 2 13B", "Llama 2 70B"]


def test_versions_then_sizes() -> None:
    names = ["Llama 3.1 405B", "Llama 3.2 1B", "Llama 3 8B", "Llama 3.1 8B", "Llama 3.1 70B"]
    assert sorted(names, key=natural_key) == [
        "Llama 3 8B", "Llama 3.1 8B", "Llama 3.1 70B", "Llama 3.1 405B", "Llama 3.2 1B"]


def test_letters_ignore_case_and_words_after_numbers() -> None:
    assert sorted(["qwen3 8B", "Qwen3 0.6B", "Qwen3 1.7B"], key=natural_key) == ["Qwen3 0.6B", "Qwen3 1.7B", "qwen3 8B"]
