from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.query_task_response_200 import QueryTaskResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    id: str,
    x_forwarded_host: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_forwarded_host, Unset):
        headers["X-Forwarded-Host"] = x_forwarded_host

    params: dict[str, Any] = {}

    params["id"] = id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/video/query",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> QueryTaskResponse200 | None:
    if response.status_code == 200:
        response_200 = QueryTaskResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[QueryTaskResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    id: str,
    x_forwarded_host: str | Unset = UNSET,
) -> Response[QueryTaskResponse200]:
    """查询任务

    Args:
        id (str):
        x_forwarded_host (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[QueryTaskResponse200]
    """

    kwargs = _get_kwargs(
        id=id,
        x_forwarded_host=x_forwarded_host,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    id: str,
    x_forwarded_host: str | Unset = UNSET,
) -> QueryTaskResponse200 | None:
    """查询任务

    Args:
        id (str):
        x_forwarded_host (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        QueryTaskResponse200
    """

    return sync_detailed(
        client=client,
        id=id,
        x_forwarded_host=x_forwarded_host,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    id: str,
    x_forwarded_host: str | Unset = UNSET,
) -> Response[QueryTaskResponse200]:
    """查询任务

    Args:
        id (str):
        x_forwarded_host (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[QueryTaskResponse200]
    """

    kwargs = _get_kwargs(
        id=id,
        x_forwarded_host=x_forwarded_host,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    id: str,
    x_forwarded_host: str | Unset = UNSET,
) -> QueryTaskResponse200 | None:
    """查询任务

    Args:
        id (str):
        x_forwarded_host (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        QueryTaskResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            id=id,
            x_forwarded_host=x_forwarded_host,
        )
    ).parsed
