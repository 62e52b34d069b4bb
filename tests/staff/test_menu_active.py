"""One side-menu entry is marked current: the one with the longest matching address."""

import re

from django.urls import reverse


def test_the_board_marks_the_board_not_the_queue(client_for, manager):
    client = client_for(manager)
    board = client.get(reverse("repairs_staff:board")).content.decode()
    queue = client.get(reverse("repairs_staff:queue")).content.decode()
    assert board.count('aria-current="page"') == 1
    assert queue.count('aria-current="page"') == 1
    current = re.compile(r'<a class="nav-link active" href="([^"]+)" aria-current="page">')
    assert current.findall(board) == [reverse("repairs_staff:board")]
    assert current.findall(queue) == [reverse("repairs_staff:queue")]
